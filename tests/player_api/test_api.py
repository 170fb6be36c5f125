"""The player REST API: each endpoint and each error."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from launches.models import LtiUser
from launches.tokens import make_launch_token
from player_api.models import Attempt, AttemptStatus, Content, Question, Response
from player_api.tokens import make_player_token
from tests.factories import AttemptFactory, LaunchFactory, LtiUserFactory

pytestmark = pytest.mark.django_db


def _url(attempt: Attempt | str, tail: str = "") -> str:
    attempt_id = attempt.pk if isinstance(attempt, Attempt) else attempt
    return f"/api/v1/attempts/{attempt_id}/{tail}"


def test_attempt_detail_lists_questions_without_answers(
    api: APIClient, attempt: Attempt, questions: list[Question]
) -> None:
    response = api.get(_url(attempt))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(attempt.pk)
    assert body["status"] == "in_progress"
    assert body["graded"] is True
    assert body["reaction"] == 0
    assert body["content"] == {
        "id": str(attempt.content_id),
        "type": "assessment",
        "title": "Number sense check",
        "description": "Three quick questions.",
    }
    assert [question["id"] for question in body["questions"]] == [str(q.pk) for q in questions]
    assert [question["type"] for question in body["questions"]] == [
        "single_choice",
        "true_false",
        "fill_in_the_blank",
    ]
    assert body["questions"][0]["choices"][1] == {"id": "b", "text": "56"}
    assert body["questions"][2]["blanks"] == 1
    assert body["questions"][2]["hint"] == "Which number times itself makes 16?"
    for question in body["questions"]:
        assert "correct_answer" not in question
    assert "four" not in response.content.decode()
    assert body["responses"] == []
    assert body["result"] is None


def test_attempt_detail_shows_saved_responses(
    api: APIClient, attempt: Attempt, questions: list[Question]
) -> None:
    Response.objects.create(attempt=attempt, question=questions[0], answer="b", time_spent_ms=900)

    body = api.get(_url(attempt)).json()

    assert body["responses"] == [
        {"question_id": str(questions[0].pk), "answer": "b", "time_spent_ms": 900, "is_correct": None}
    ]


def test_attempt_detail_of_ungraded_launch(api: APIClient, attempt: Attempt) -> None:
    attempt.launch.lis_result_sourcedid = ""
    attempt.launch.save()

    assert api.get(_url(attempt)).json()["graded"] is False


def test_response_put_saves_answer(
    api: APIClient, attempt: Attempt, questions: list[Question]
) -> None:
    response = api.put(
        _url(attempt, f"responses/{questions[0].pk}/"),
        {"answer": "a", "time_spent_ms": 1234},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {
        "question_id": str(questions[0].pk),
        "answer": "a",
        "time_spent_ms": 1234,
        "is_correct": None,
    }
    stored = Response.objects.get()
    assert stored.answer == "a"
    assert stored.time_spent_ms == 1234


def test_response_put_replaces_earlier_answer(
    api: APIClient, attempt: Attempt, questions: list[Question]
) -> None:
    url = _url(attempt, f"responses/{questions[2].pk}/")
    api.put(url, {"answer": ["five"], "time_spent_ms": 1000}, format="json")

    api.put(url, {"answer": ["four"], "time_spent_ms": 2500}, format="json")

    stored = Response.objects.get()
    assert stored.answer == ["four"]
    assert stored.time_spent_ms == 2500


def test_response_put_time_defaults_to_zero(
    api: APIClient, attempt: Attempt, questions: list[Question]
) -> None:
    response = api.put(
        _url(attempt, f"responses/{questions[1].pk}/"), {"answer": True}, format="json"
    )

    assert response.status_code == 200
    assert Response.objects.get().time_spent_ms == 0


def test_response_put_wrong_shape_is_400(
    api: APIClient, attempt: Attempt, questions: list[Question]
) -> None:
    response = api.put(
        _url(attempt, f"responses/{questions[2].pk}/"), {"answer": "four"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_answer",
        "message": "A fill_in_the_blank answer must be a list of 1 string, one per blank.",
    }
    assert not Response.objects.exists()


def test_response_put_unknown_choice_is_400(
    api: APIClient, attempt: Attempt, questions: list[Question]
) -> None:
    response = api.put(
        _url(attempt, f"responses/{questions[0].pk}/"), {"answer": "z"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["message"] == "A single_choice answer must be one choice id: one of a, b, c."


def test_response_put_missing_answer_is_400(
    api: APIClient, attempt: Attempt, questions: list[Question]
) -> None:
    response = api.put(
        _url(attempt, f"responses/{questions[0].pk}/"), {"time_spent_ms": 5}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"] == "answer: This field is required."
    assert "answer" in body["fields"]


@pytest.mark.parametrize("time_spent_ms", [-1, 24 * 3600 * 1000 + 1, "soon"])
def test_response_put_bad_time_is_400(
    api: APIClient, attempt: Attempt, questions: list[Question], time_spent_ms: object
) -> None:
    response = api.put(
        _url(attempt, f"responses/{questions[0].pk}/"),
        {"answer": "b", "time_spent_ms": time_spent_ms},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["message"].startswith("time_spent_ms: ")


def test_response_put_malformed_json_is_400(
    api: APIClient, attempt: Attempt, questions: list[Question]
) -> None:
    response = api.put(
        _url(attempt, f"responses/{questions[0].pk}/"),
        "{not json",
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_response_put_unknown_question_is_404(api: APIClient, attempt: Attempt) -> None:
    response = api.put(
        _url(attempt, f"responses/{uuid.uuid4()}/"), {"answer": "b"}, format="json"
    )

    assert response.status_code == 404
    assert response.json()["code"] == "question_not_found"


def test_response_put_malformed_question_id_is_404(api: APIClient, attempt: Attempt) -> None:
    response = api.put(_url(attempt, "responses/nope/"), {"answer": "b"}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "question_not_found"


def test_response_put_question_of_other_content_is_404(
    api: APIClient, attempt: Attempt, learner: LtiUser
) -> None:
    other = AttemptFactory(launch=LaunchFactory(user=learner))
    foreign = other.content.questions.create(
        position=0, question_type="true_false", prompt="Water boils at 100 °C at sea level.",
        correct_answer=True,
    )

    response = api.put(
        _url(attempt, f"responses/{foreign.pk}/"), {"answer": True}, format="json"
    )

    assert response.status_code == 404
    assert not Response.objects.exists()


def test_response_put_after_submit_is_409(
    api: APIClient, attempt: Attempt, questions: list[Question]
) -> None:
    Attempt.objects.filter(pk=attempt.pk).update(status=AttemptStatus.SUBMITTED)

    response = api.put(
        _url(attempt, f"responses/{questions[0].pk}/"), {"answer": "b"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "attempt_submitted"
    assert not Response.objects.exists()


def test_reaction_put_stores_reaction(api: APIClient, attempt: Attempt) -> None:
    response = api.put(_url(attempt, "reaction/"), {"reaction": 4}, format="json")

    assert response.status_code == 200
    assert response.json() == {"reaction": 4}
    attempt.refresh_from_db()
    assert attempt.reaction == 4


def test_reaction_put_zero_clears_reaction(api: APIClient, attempt: Attempt) -> None:
    api.put(_url(attempt, "reaction/"), {"reaction": 2}, format="json")

    api.put(_url(attempt, "reaction/"), {"reaction": 0}, format="json")

    attempt.refresh_from_db()
    assert attempt.reaction == 0


@pytest.mark.parametrize("reaction", [-1, 6, "happy", None, True])
def test_reaction_put_out_of_range_is_400(
    api: APIClient, attempt: Attempt, reaction: object
) -> None:
    response = api.put(_url(attempt, "reaction/"), {"reaction": reaction}, format="json")

    assert response.status_code == 400
    assert response.json()["message"].startswith("reaction: ")
    attempt.refresh_from_db()
    assert attempt.reaction == 0


def test_reaction_put_after_submit_is_409(api: APIClient, attempt: Attempt) -> None:
    Attempt.objects.filter(pk=attempt.pk).update(status=AttemptStatus.SUBMITTED)

    response = api.put(_url(attempt, "reaction/"), {"reaction": 3}, format="json")

    assert response.status_code == 409


def test_api_without_credentials_is_401(attempt: Attempt) -> None:
    response = APIClient().get(_url(attempt))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "code": "not_authenticated",
        "message": "No player token was sent. Open the activity from your LMS to play it.",
    }


def test_api_expired_token_is_401(
    attempt: Attempt, caplog: pytest.LogCaptureFixture
) -> None:
    token = make_player_token(attempt)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    later = time.time() + settings.PLAYER_TOKEN_MAX_AGE + 60

    with time_machine.travel(later, tick=False), caplog.at_level("INFO", "player_api"):
        response = client.get(_url(attempt))

    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "token_expired"
    assert "Open the activity again from your LMS" in body["message"]
    assert f"Player token rejected on {_url(attempt)}: The player token has expired." in caplog.text
    assert token not in caplog.text


def test_api_forged_token_is_401(attempt: Attempt) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer forged.token.value")

    response = client.get(_url(attempt))

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_api_launch_token_is_not_player_token(attempt: Attempt) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_launch_token(attempt.launch)}")

    assert client.get(_url(attempt)).status_code == 401


def test_api_other_users_attempt_is_404(attempt: Attempt, learner: LtiUser) -> None:
    classmate = LtiUserFactory(consumer=learner.consumer, lms_user_id="u-789")
    theirs = AttemptFactory(content=attempt.content, launch=LaunchFactory(user=classmate))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_player_token(theirs)}")

    for response in (
        client.get(_url(attempt)),
        client.put(_url(attempt, "reaction/"), {"reaction": 1}, format="json"),
        client.post(_url(attempt, "submit/")),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    attempt.refresh_from_db()
    assert attempt.reaction == 0
    assert attempt.status == AttemptStatus.IN_PROGRESS


def test_api_other_consumers_same_lms_id_is_404(
    attempt: Attempt, other_learner: LtiUser
) -> None:
    # other_learner has the same LMS user_id at another consumer.
    theirs = AttemptFactory(content=attempt.content, launch=LaunchFactory(user=other_learner))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_player_token(theirs)}")

    assert client.get(_url(attempt)).status_code == 404


def test_api_unknown_attempt_is_404(api: APIClient) -> None:
    for attempt_id in (str(uuid.uuid4()), "not-a-uuid"):
        response = api.get(_url(attempt_id))

        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "message": "No such attempt."}


def test_api_method_not_allowed_is_405(api: APIClient, attempt: Attempt) -> None:
    response = api.delete(_url(attempt))

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_api_session_from_player_page_authenticates(client: Client, quiz: Content) -> None:
    launch = LaunchFactory(content_id=quiz.pk)
    client.get(f"/play/{make_launch_token(launch)}/")
    attempt = Attempt.objects.get()

    response = client.get(_url(attempt))

    assert response.status_code == 200
    assert response.json()["id"] == str(attempt.pk)


def test_api_session_write_needs_csrf_token(quiz: Content) -> None:
    browser = Client(enforce_csrf_checks=True)
    launch = LaunchFactory(content_id=quiz.pk)
    browser.get(f"/play/{make_launch_token(launch)}/")
    attempt = Attempt.objects.get()

    response = browser.put(
        _url(attempt, "reaction/"), {"reaction": 5}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    attempt.refresh_from_db()
    assert attempt.reaction == 0


def test_api_session_sees_only_its_users(client: Client, quiz: Content, attempt: Attempt) -> None:
    launch = LaunchFactory(content_id=quiz.pk)
    client.get(f"/play/{make_launch_token(launch)}/")

    assert client.get(_url(attempt)).status_code == 404


def test_api_schema_lists_player_endpoints(client: Client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths) >= {
        "/api/v1/attempts/{attempt_id}/",
        "/api/v1/attempts/{attempt_id}/responses/{question_id}/",
        "/api/v1/attempts/{attempt_id}/reaction/",
        "/api/v1/attempts/{attempt_id}/submit/",
    }
    assert "playerToken" in response.json()["components"]["securitySchemes"]


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_api_docs_served_locally(client: Client, page: str) -> None:
    response = client.get(page)

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn." not in html
    assert "fonts.googleapis.com" not in html


def test_api_schema_validates_without_warnings(tmp_path: Path) -> None:
    schema_file = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema_file))

    assert "/api/v1/attempts/{attempt_id}/submit/" in schema_file.read_text()
