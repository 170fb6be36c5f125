"""Steps of the flow as an LMS and a student's browser take them, over HTTP."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

import requests
from lti import ToolConsumer

from launches.models import Consumer
from player_api.models import Content, Question, QuestionType

# Which of the sample assessment's 10 questions the student gets right: 7 of 10.
RIGHT_ANSWERS = [True, True, False, True, True, False, True, True, False, True]
EXPECTED_SCORE = 0.7


def answer_for(question: Question, right: bool) -> Any:
    """Return an answer of the right shape for the question, right or wrong on purpose."""
    correct = question.correct_answer
    choice_ids = [str(choice["id"]) for choice in question.choices]
    kind = question.question_type
    if right:
        if kind == QuestionType.FILL_IN_THE_BLANK:
            return [accepted[0] for accepted in correct]
        return correct
    if kind == QuestionType.SINGLE_CHOICE:
        return next(choice for choice in choice_ids if choice != correct)
    if kind == QuestionType.MULTIPLE_CHOICE:
        return correct[:-1] or [choice for choice in choice_ids if choice not in correct][:1]
    if kind == QuestionType.TRUE_FALSE:
        return not correct
    if kind == QuestionType.FILL_IN_THE_BLANK:
        return ["not the answer"] * len(correct)
    return list(reversed(correct))


def lti_launch(
    base_url: str,
    consumer: Consumer,
    content: Content,
    *,
    user_id: str,
    resource_link_id: str,
    sourcedid: str | None,
) -> requests.Response:
    """POST a launch signed by the PyPI package lti, as an independent Tool Consumer."""
    params = {
        "lti_message_type": "basic-lti-launch-request",
        "lti_version": "LTI-1p0",
        "resource_link_id": resource_link_id,
        "user_id": user_id,
        "roles": "Learner" if sourcedid else "Instructor",
        "context_id": "e2e-course",
        "lis_person_name_full": "Erin End-to-End",
        "custom_content_id": str(content.pk),
        "custom_content_type": content.content_type,
    }
    if sourcedid:
        params["lis_result_sourcedid"] = sourcedid
        params["lis_outcome_service_url"] = f"{base_url}/lti/test-consumer/outcomes/"
    tool_consumer = ToolConsumer(
        consumer.key, consumer.secret, params=params, launch_url=f"{base_url}/lti/launch/"
    )
    return requests.post(
        tool_consumer.launch_url,
        data=tool_consumer.generate_launch_data(),
        allow_redirects=False,
        timeout=30,
    )


def player_config(base_url: str, launch_response: requests.Response) -> dict[str, Any]:
    """Follow the launch's 303 to the player page and read its player-config."""
    assert launch_response.status_code == 303, launch_response.text[:2000]
    location = launch_response.headers["Location"]
    page = requests.get(requests.compat.urljoin(base_url + "/", location), timeout=30)
    assert page.status_code == 200, page.text[:2000]
    found = re.search(
        r'<script id="player-config" type="application/json">(.*?)</script>', page.text, re.DOTALL
    )
    assert found is not None, "The player page has no player-config element."
    return dict(json.loads(unescape(found.group(1))))


def attempt_play(base_url: str, config: dict[str, Any], content: Content) -> dict[str, Any]:
    """Answer every question through the API per RIGHT_ANSWERS, submit, return the result."""
    api = f"{base_url}{config['apiBaseUrl']}attempts/{config['attemptId']}/"
    headers = {"Authorization": f"Bearer {config['apiToken']}"}
    attempt = requests.get(api, headers=headers, timeout=30)
    assert attempt.status_code == 200, attempt.text
    questions = {str(question.pk): question for question in content.questions.all()}

    for index, shown in enumerate(sorted(attempt.json()["questions"], key=lambda q: q["position"])):
        answer = answer_for(questions[shown["id"]], RIGHT_ANSWERS[index])
        saved = requests.put(
            f"{api}responses/{shown['id']}/",
            json={"answer": answer, "time_spent_ms": 1000 + index},
            headers=headers,
            timeout=30,
        )
        assert saved.status_code == 200, saved.text

    submitted = requests.post(f"{api}submit/", headers=headers, timeout=30)
    assert submitted.status_code == 200, submitted.text
    return dict(submitted.json())
