"""The web player in Debian's Chromium, driven by Playwright against the live server.

Database work happens before and after the browser runs, never while it runs:
Playwright's sync API keeps an event loop in this thread, and Django refuses
ORM calls from a thread with a running loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from launches.models import ContentType
from launches.tokens import make_launch_token
from outcomes.models import Delivery
from player_api.models import Attempt, AttemptStatus, Content
from tests.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.factories import ConsumerFactory, LaunchFactory, LtiUserFactory

CLOSED_LOCAL_OUTCOMES_URL = "http://127.0.0.1:9/outcomes"
FRACTIONS_ID = "882eb153-6d72-4068-ba58-18f22add3e2d"
LIFE_SCIENCE_ID = "06addaae-0e0d-4821-9c51-8761048757c1"
# Playwright's wait for each expected element, in milliseconds; a wait, not a timing assertion.
WAIT_MS = 20_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium is not installed at {CHROMIUM}"),
]

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def samples(transactional_db: None) -> None:
    sample_dir = Path(settings.BASE_DIR) / "player_api" / "sample_content"
    call_command("import_content", *sorted(map(str, sample_dir.glob("*.json"))), stdout=StringIO())


def _play_url(live_server: LiveServer, content: Content, **launch_fields: Any) -> str:
    # Submitting commits a delivery and enqueues it. Should a worker run it,
    # it goes to a closed port on this machine.
    user = LtiUserFactory(consumer=ConsumerFactory(outcomes_url=CLOSED_LOCAL_OUTCOMES_URL))
    launch = LaunchFactory(
        user=user,
        content_id=content.pk,
        content_type=ContentType(content.content_type),
        **launch_fields,
    )
    base = live_server.url.replace("localhost", "127.0.0.1")
    return f"{base}/play/{make_launch_token(launch)}/"


def _run_browser(action: Callable[[Any], None], **context_options: Any) -> None:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(**context_options)
            context.set_default_timeout(WAIT_MS)
            action(context)
        finally:
            browser.close()


def _order(scope: Any, wanted: list[str], keyboard: bool = False) -> None:
    """Move ordering items with their Up buttons until they read in the wanted order."""
    for target, text in enumerate(wanted):
        while True:
            items = scope.locator(".ordering-text").all_inner_texts()
            current = items.index(text)
            if current == target:
                break
            button = scope.get_by_role("button", name=f"Move up: {text}")
            if keyboard:
                button.focus()
                button.press("Enter")
            else:
                button.click()
    sync_api.expect(scope.locator(".ordering-text")).to_have_text(wanted)


def _answer_fractions(page: Any) -> None:
    """Answer the 10 sample questions correctly, with mouse and keyboard in turn."""
    expect = sync_api.expect
    progress = page.locator("#progress-text")
    next_button = page.get_by_role("button", name="Next")

    expect(progress).to_have_text("Question 1 of 10")
    page.get_by_label("6/8").check()
    next_button.click()

    expect(progress).to_have_text("Question 2 of 10")
    page.get_by_label("12", exact=True).focus()
    page.keyboard.press("Space")
    next_button.focus()
    page.keyboard.press("Enter")

    expect(progress).to_have_text("Question 3 of 10")
    for label in ("2", "13", "29"):
        page.get_by_label(label, exact=True).check()
    next_button.click()

    expect(progress).to_have_text("Question 4 of 10")
    page.get_by_label("Square").focus()
    page.keyboard.press("Space")
    page.get_by_label("Rectangle").focus()
    page.keyboard.press("Space")
    next_button.click()

    expect(progress).to_have_text("Question 5 of 10")
    page.get_by_label("True").check()
    next_button.click()

    expect(progress).to_have_text("Question 6 of 10")
    page.get_by_text("Show a hint").click()
    expect(page.get_by_text("Try it: what is half of 10?")).to_be_visible()
    page.get_by_label("False").focus()
    page.keyboard.press("Space")
    next_button.click()

    expect(progress).to_have_text("Question 7 of 10")
    page.get_by_label("Blank 1 of 2").fill(" 28 ")
    page.keyboard.press("Tab")
    page.keyboard.type("Twenty-Two")
    next_button.click()

    expect(progress).to_have_text("Question 8 of 10")
    page.get_by_label("Blank 1 of 1").fill("20")
    next_button.click()

    expect(progress).to_have_text("Question 9 of 10")
    _order(page, ["0.25", "1/2", "3/5", "0.7"])
    next_button.click()

    expect(progress).to_have_text("Question 10 of 10")
    _order(
        page,
        [
            "Find a common denominator: 12",
            "Rewrite each fraction: 1/3 = 4/12 and 1/4 = 3/12",
            "Add the numerators: 4/12 + 3/12 = 7/12",
            "Check whether 7/12 can be simplified",
        ],
        keyboard=True,
    )
    expect(next_button).to_be_hidden()


def test_player_answers_all_and_submits(live_server: LiveServer, samples: None) -> None:
    fractions = Content.objects.get(pk=FRACTIONS_ID)
    url = _play_url(live_server, fractions)

    def play(context: Any) -> None:
        expect = sync_api.expect
        page = context.new_page()
        page.goto(url)
        expect(page.locator("#preview-banner")).to_have_count(0)

        _answer_fractions(page)

        # Going back keeps the saved answer.
        page.get_by_role("button", name="Previous").click()
        expect(page.locator("#progress-text")).to_have_text("Question 9 of 10")
        expect(page.locator(".ordering-text")).to_have_text(["0.25", "1/2", "3/5", "0.7"])
        page.get_by_role("button", name="Next").click()

        page.get_by_role("button", name="Finish").click()
        expect(page.locator("#finish-summary")).to_contain_text("You answered 10 of 10 questions")
        page.get_by_label("4 · I understand it").check()
        page.get_by_role("button", name="Submit", exact=True).click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("You cannot change your answers after you submit.")
        dialog.get_by_role("button", name="Yes, submit").click()

        expect(page.locator("#result-score")).to_have_text("Score: 100%")
        expect(page.locator("#result-detail")).to_have_text("10 of 10 questions correct.")
        expect(page.locator("#result-graded")).to_contain_text("LMS gradebook")

        # Reloading the page shows the stored result, not a new attempt.
        page.reload()
        expect(page.locator("#result-score")).to_have_text("Score: 100%")

    _run_browser(play)

    attempt = Attempt.objects.get()
    assert attempt.status == AttemptStatus.SUBMITTED
    assert attempt.score == 1.0
    assert attempt.questions_count == 10
    assert attempt.reaction == 4
    assert attempt.responses.count() == 10
    assert not attempt.responses.filter(is_correct=False).exists()
    assert attempt.time_spend_ms is not None and attempt.time_spend_ms > 0
    assert Delivery.objects.filter(attempt=attempt).count() == 1


def test_player_resumes_saved_answers(live_server: LiveServer, samples: None) -> None:
    fractions = Content.objects.get(pk=FRACTIONS_ID)
    url = _play_url(live_server, fractions)

    def play(context: Any) -> None:
        expect = sync_api.expect
        page = context.new_page()
        page.goto(url)
        page.get_by_label("6/8").check()
        expect(page.locator("#save-state")).to_have_text("Saved")
        page.get_by_role("button", name="Next").click()
        page.get_by_label("10", exact=True).check()
        expect(page.locator("#save-state")).to_have_text("Saved")

        page.reload()

        expect(page.locator("#progress-text")).to_have_text("Question 3 of 10")
        page.get_by_role("button", name="Previous").click()
        expect(page.get_by_label("10", exact=True)).to_be_checked()

    _run_browser(play)

    assert Attempt.objects.get().responses.count() == 2


class _LmsPage(BaseHTTPRequestHandler):
    """An LMS course page on another site (localhost) that frames the player."""

    player_url = ""

    def do_GET(self) -> None:
        body = (
            "<!DOCTYPE html><title>Course</title><h1>Course page</h1>"
            f'<iframe id="tool" src="{self.player_url}" width="360" height="600"></iframe>'
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def lms_page() -> Iterator[tuple[ThreadingHTTPServer, type[_LmsPage]]]:
    handler = type("LmsPage", (_LmsPage,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, handler
    finally:
        server.shutdown()
        server.server_close()


def test_player_in_iframe_without_cookies(
    live_server: LiveServer,
    samples: None,
    settings: Settings,
    lms_page: tuple[ThreadingHTTPServer, type[_LmsPage]],
) -> None:
    server, handler = lms_page
    lms_origin = f"http://localhost:{server.server_address[1]}"
    settings.LTI_FRAME_ANCESTORS = [lms_origin]
    life_science = Content.objects.get(pk=LIFE_SCIENCE_ID)
    handler.player_url = _play_url(live_server, life_science, lis_result_sourcedid="")
    api_cookie_headers: list[str] = []

    def play(context: Any) -> None:
        expect = sync_api.expect

        def without_cookies(route: Any) -> None:
            # A browser that blocks third-party cookies keeps none of the player's.
            response = route.fetch()
            headers = {k: v for k, v in response.headers.items() if k.lower() != "set-cookie"}
            route.fulfill(response=response, headers=headers)

        context.route("**/play/**", without_cookies)
        page = context.new_page()
        def record_api_cookies(request: Any) -> None:
            if "/api/v1/" in request.url:
                api_cookie_headers.append(request.all_headers().get("cookie", ""))

        page.on("request", record_api_cookies)
        page.goto(f"{lms_origin}/")
        frame = page.frame_locator("#tool")

        expect(frame.locator("#preview-banner")).to_contain_text("not graded")
        expect(frame.locator("#progress-text")).to_have_text("Question 1 of 6")
        assert frame.locator("html").evaluate(
            "element => element.scrollWidth <= element.clientWidth"
        )
        frame.get_by_label("Chloroplast").check()
        frame.get_by_role("button", name="Next").click()
        for label in ("Cell membrane", "Nucleus", "Cytoplasm"):
            frame.get_by_label(label).check()
        for _ in range(4):
            frame.get_by_role("button", name="Next").click()
        expect(frame.locator("#progress-text")).to_have_text("Question 6 of 6")
        frame.get_by_role("button", name="Finish").click()
        frame.get_by_role("button", name="Submit", exact=True).click()
        frame.get_by_role("button", name="Yes, submit").click()

        expect(frame.locator("#result-score")).to_have_text("Score: 33%")
        expect(frame.locator("#result-graded")).to_contain_text("preview")

    _run_browser(play, viewport={"width": 400, "height": 700})

    assert api_cookie_headers
    assert all(header == "" for header in api_cookie_headers)
    attempt = Attempt.objects.get()
    assert attempt.status == AttemptStatus.SUBMITTED
    # The ordering question was seen and left in its first order, so it has an answer.
    assert attempt.responses.count() == 3
    assert attempt.score == pytest.approx(2 / 6)
    assert not Delivery.objects.exists()


def test_player_collection_with_resources(live_server: LiveServer, samples: None) -> None:
    collection = Content.objects.get(content_type="collection")
    url = _play_url(live_server, collection)

    def play(context: Any) -> None:
        expect = sync_api.expect
        page = context.new_page()
        page.goto(url)
        progress = page.locator("#progress-text")
        next_button = page.get_by_role("button", name="Next")

        expect(progress).to_have_text("Step 1 of 5")
        expect(page.get_by_role("heading", name="What is a force?")).to_be_visible()
        next_button.click()
        expect(progress).to_have_text("Step 2 of 5")
        page.get_by_label("Gravity pulls it down and the table pushes it up with an equal force.").check()
        next_button.click()
        link = page.get_by_role("link", name="Open the resource in a new tab")
        expect(link).to_have_attribute("href", "https://openstax.org/details/books/physics")
        expect(link).to_have_attribute("rel", "noopener noreferrer")
        next_button.click()
        page.get_by_label("False").check()
        next_button.click()
        expect(progress).to_have_text("Step 5 of 5")
        page.get_by_label("Blank 1 of 1").fill("Newtons")
        page.get_by_role("button", name="Finish").click()
        expect(page.locator("#finish-summary")).to_contain_text("You answered 3 of 3 questions")
        page.get_by_role("button", name="Submit", exact=True).click()
        page.get_by_role("button", name="Yes, submit").click()

        expect(page.locator("#result-score")).to_have_text("Score: 100%")
        expect(page.locator("#result-detail")).to_have_text("3 of 3 questions correct.")

    _run_browser(play)

    attempt = Attempt.objects.get()
    assert attempt.score == 1.0
    assert attempt.questions_count == 3


def test_player_expired_token_says_launch_again(
    live_server: LiveServer, samples: None, settings: Settings
) -> None:
    fractions = Content.objects.get(pk=FRACTIONS_ID)
    url = _play_url(live_server, fractions)

    def play(context: Any) -> None:
        expect = sync_api.expect
        page = context.new_page()
        page.goto(url)
        expect(page.locator("#progress-text")).to_have_text("Question 1 of 10")
        # Every token is now older than the maximum age.
        settings.PLAYER_TOKEN_MAX_AGE = -1

        page.get_by_label("6/8").check()

        expect(page.locator("#player-message")).to_contain_text(
            "Open the activity again from your LMS"
        )
        expect(page.get_by_role("button", name="Next")).to_be_disabled()

    _run_browser(play)

    assert not Attempt.objects.get().responses.exists()
