"""The admin pages for content, questions and attempts."""

from __future__ import annotations

import json
import uuid

import pytest
from django.contrib.auth.models import User
from django.test import Client

from player_api.models import Attempt, Content, Question

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged_in(client: Client) -> Client:
    user = User.objects.create_superuser("operator", "operator@example.org", "a-long-password-1")
    client.force_login(user)
    return client


def _question_form(content: Content, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "id": str(uuid.uuid4()),
        "content": str(content.pk),
        "position": 0,
        "question_type": "single_choice",
        "prompt": "Which fraction equals 1/2?",
        "choices": json.dumps([{"id": "a", "text": "2/4"}, {"id": "b", "text": "2/3"}]),
        "correct_answer": json.dumps("a"),
        "hint": "",
    }
    data.update(changes)
    return data


def test_admin_pages_render(
    admin_client_logged_in: Client, attempt: Attempt, questions: list[Question]
) -> None:
    pages = [
        "/admin/player_api/content/",
        f"/admin/player_api/content/{attempt.content_id}/change/",
        "/admin/player_api/question/",
        f"/admin/player_api/question/{questions[0].pk}/change/",
        "/admin/player_api/attempt/",
        f"/admin/player_api/attempt/{attempt.pk}/change/",
    ]
    for page in pages:
        assert admin_client_logged_in.get(page).status_code == 200, page


def test_admin_question_add(admin_client_logged_in: Client, quiz: Content) -> None:
    response = admin_client_logged_in.post(
        "/admin/player_api/question/add/", _question_form(quiz, position=9)
    )

    assert response.status_code == 302
    assert quiz.questions.filter(prompt="Which fraction equals 1/2?").exists()


def test_admin_question_wrong_answer_rejected(
    admin_client_logged_in: Client, quiz: Content
) -> None:
    response = admin_client_logged_in.post(
        "/admin/player_api/question/add/", _question_form(quiz, correct_answer=json.dumps("z"))
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["correct_answer"] == ["'z' is not one of the choice ids a, b"]
    assert not quiz.questions.filter(prompt="Which fraction equals 1/2?").exists()


def test_admin_fill_in_blank_count_checked(admin_client_logged_in: Client, quiz: Content) -> None:
    form = _question_form(
        quiz,
        question_type="fill_in_the_blank",
        prompt="7 × 8 = ___",
        choices="[]",
        correct_answer=json.dumps([["56"], ["fifty-six"]]),
    )

    response = admin_client_logged_in.post("/admin/player_api/question/add/", form)

    assert response.status_code == 200
    assert "the prompt marks 1 blank(s)" in str(response.context["adminform"].form.errors)


def test_admin_attempt_is_read_only(admin_client_logged_in: Client, attempt: Attempt) -> None:
    assert admin_client_logged_in.get("/admin/player_api/attempt/add/").status_code == 403
    response = admin_client_logged_in.post(
        f"/admin/player_api/attempt/{attempt.pk}/change/", {"status": "submitted"}
    )

    attempt.refresh_from_db()
    assert response.status_code in {200, 302}
    assert attempt.status == "in_progress"
