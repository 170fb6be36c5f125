"""The whole flow in Debian's Chromium: the test consumer page launches the player in an
iframe on another site with third-party cookies blocked, and the inspector gets the score.

Set GOORU_SCREENSHOT_DIR to a folder to save the player and inspector screenshots
that the README shows (docs/screenshots).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import BrowserContext, FrameLocator, Page, sync_playwright
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from launches.models import OutcomeFormat
from player_api.models import Content, Question, QuestionType
from test_consumer.models import RequestFormat, Verdict
from tests.e2e.conftest import Process, inspected_wait
from tests.e2e.flow import EXPECTED_SCORE, RIGHT_ANSWERS, answer_for
from tests.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.factories import ConsumerFactory

# Block third-party cookies the way Chrome's cookie phase-out does.
BROWSER_ARGS = [*CHROMIUM_ARGS, "--test-third-party-cookie-phaseout"]
# The same blocking as the user setting "Block third-party cookies".
CHROMIUM_PREFERENCES = {"profile": {"block_third_party_cookies": True, "cookie_controls_mode": 1}}
ADMIN_PASSWORD = "browser-admin-password-1"
TIMEOUT_MS = 60_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Debian's Chromium is missing at {CHROMIUM}"),
]


@pytest.fixture
def browser_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[BrowserContext]:
    """A Chromium profile that blocks third-party cookies."""
    # Playwright's sync API runs an event loop in this thread, and the test still
    # reads the database between browser steps.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    profile = tmp_path / "chromium-profile"
    (profile / "Default").mkdir(parents=True)
    (profile / "Default" / "Preferences").write_text(json.dumps(CHROMIUM_PREFERENCES))
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=BROWSER_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(TIMEOUT_MS)
        yield context
        context.close()


def question_answer(frame: FrameLocator, question: Question, answer: object) -> None:
    """Answer the question shown in the player the way a student does, with the mouse."""
    kind = question.question_type
    if kind == QuestionType.SINGLE_CHOICE:
        frame.locator(f'input[name="q-{question.pk}"][value="{answer}"]').check()
    elif kind == QuestionType.MULTIPLE_CHOICE:
        assert isinstance(answer, list)
        for choice_id in answer:
            frame.locator(f'input[name="q-{question.pk}"][value="{choice_id}"]').check()
    elif kind == QuestionType.TRUE_FALSE:
        value = "true" if answer else "false"
        frame.locator(f'input[name="q-{question.pk}"][value="{value}"]').check()
    elif kind == QuestionType.FILL_IN_THE_BLANK:
        assert isinstance(answer, list)
        for index, text in enumerate(answer):
            blank = frame.locator("input.blank").nth(index)
            blank.fill(text)
            blank.dispatch_event("change")
    else:
        assert isinstance(answer, list)
        order = [str(choice["id"]) for choice in question.choices]
        for target, choice_id in enumerate(answer):
            while order.index(choice_id) > target:
                current = order.index(choice_id)
                frame.locator("li.ordering-item").nth(current).locator(".move-up").click()
                order.insert(current - 1, order.pop(current))
    frame.locator("#save-state", has_text="Saved").wait_for()


def screenshot(page: Page, name: str) -> None:
    folder = os.environ.get("GOORU_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=False)


def test_browser_flow_scores_in_iframe(
    live_server: LiveServer,
    settings: Settings,
    flow_worker: Process,
    sample_assessment: Content,
    browser_context: BrowserContext,
) -> None:
    # The LMS page and the tool are on two sites, localhost and 127.0.0.1, so the
    # player is a third-party frame whose cookies the browser blocks.
    lms_origin = live_server.url.replace("127.0.0.1", "localhost")
    tool_origin = live_server.url.replace("localhost", "127.0.0.1")
    settings.TEST_CONSUMER_ENABLED = True
    settings.OUTCOMES_ALLOW_PRIVATE_NETWORKS = True
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    consumer = ConsumerFactory(
        key="browser-lms",
        name="Browser LMS",
        outcome_format=OutcomeFormat.GOORU_JSON,
        outcomes_url=f"{tool_origin}/lti/test-consumer/outcomes/",
        lms_origin=lms_origin,
    )
    User.objects.create_superuser("browser-admin", "admin@example.org", ADMIN_PASSWORD)
    questions = list(sample_assessment.questions.order_by("position"))
    page = browser_context.new_page()

    page.goto(f"{lms_origin}/admin/login/?next=/lti/test-consumer/")
    page.fill("#id_username", "browser-admin")
    page.fill("#id_password", ADMIN_PASSWORD)
    page.click("input[type=submit]")
    page.select_option("#id_consumer", str(consumer.pk))
    page.select_option("#id_content", str(sample_assessment.pk))
    page.select_option("#id_role", "Learner")
    page.fill("#id_user_id", "browser-student")
    page.fill("#id_resource_link_id", "browser-link")
    page.fill("#id_launch_url", f"{tool_origin}/lti/launch/")
    screenshot(page, "test-consumer.png")
    page.click("button[value=iframe]")

    frame = page.frame_locator("#tool-frame")
    for index, question in enumerate(questions):
        frame.locator("#progress-text", has_text=f"Question {index + 1} of 10").wait_for()
        question_answer(frame, question, answer_for(question, RIGHT_ANSWERS[index]))
        if index == 2:
            screenshot(page, "player.png")
        if index < len(questions) - 1:
            frame.locator("#next-button").click()
    frame.locator("#finish-button").click()
    frame.locator("#submit-button").click()
    frame.locator("#confirm-submit").click()
    result_score = frame.locator("#result-score", has_text="Score")
    result_score.wait_for()
    score_text = result_score.inner_text()
    screenshot(page, "player-result.png")
    tool_cookies = browser_context.cookies(tool_origin)

    [received] = inspected_wait(lambda item: True, flow_worker)
    page.goto(f"{lms_origin}/lti/test-consumer/inspector/")
    first_row = page.locator("#requests tr.request").first
    row_signature = first_row.locator("td.signature").inner_text()
    row_score = first_row.locator("td.score").inner_text()
    screenshot(page, "inspector.png")

    assert score_text == "Score: 70%"
    # NOTE: over plain http the session cookie is SameSite=Lax, which a cross-site
    # frame never stores, so this shows that the player needs no cookie rather
    # than that the blocking flags work.
    assert tool_cookies == []
    assert received.verdict == Verdict.ACCEPTED, received.detail
    assert received.signature_valid
    assert received.body_hash_valid
    assert received.request_format == RequestFormat.GOORU_JSON
    assert received.score == pytest.approx(EXPECTED_SCORE)
    assert json.loads(received.body)["result"]["score"] == EXPECTED_SCORE
    assert row_signature == "valid"
    assert row_score == "0.7"
