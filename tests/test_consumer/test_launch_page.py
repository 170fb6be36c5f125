"""The test consumer page: what it signs and how it hands the launch to the browser."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import uuid
from html import unescape
from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.test import Client
from pytest_django.fixtures import Settings

from launches.models import Consumer, ContentType
from player_api.models import Content

pytestmark = pytest.mark.django_db

PAGE = "/lti/test-consumer/"
LAUNCH_URL = "http://testserver/lti/launch/"


@pytest.fixture
def content() -> Content:
    return Content.objects.create(content_type=ContentType.ASSESSMENT, title="Fractions check")


def rfc5849_signature(url: str, fields: list[tuple[str, str]], secret: str) -> str:
    """Compute HMAC-SHA1 over a form POST by the letter of RFC 5849, without oauthlib."""

    def encode(value: str) -> str:
        return quote(value, safe="~")

    pairs = sorted((encode(k), encode(v)) for k, v in fields if k != "oauth_signature")
    normalized = "&".join(f"{name}={value}" for name, value in pairs)
    base_string = "&".join(["POST", encode(url), encode(normalized)])
    digest = hmac.new(f"{encode(secret)}&".encode(), base_string.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def launch_fields(html: str) -> list[tuple[str, str]]:
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)
    return [(unescape(name), unescape(value)) for name, value in found]


def launch_form(consumer: Consumer, content: Content, **changes: str) -> dict[str, str]:
    return {
        "consumer": str(consumer.pk),
        "content": str(content.pk),
        "role": "Learner",
        "user_id": "student-1",
        "user_name": "Ünïcödé Ñame-O'Test",
        "context_id": "course-101",
        "context_title": "Maths + Stats 101 (Y)",
        "resource_link_id": "link-1",
        "launch_url": LAUNCH_URL,
        "presentation": "iframe",
        **changes,
    }


def post_launch(client: Client, consumer: Consumer, content: Content, **changes: str) -> str:
    response = client.post(PAGE, launch_form(consumer, content, **changes))
    assert response.status_code == 200, response.content.decode()
    return response.content.decode()


def test_launch_page_offers_form(admin_client: Client, enabled: Settings) -> None:
    page = admin_client.get(PAGE).content.decode()

    assert 'name="consumer"' in page
    assert 'name="class_id"' in page
    assert LAUNCH_URL in page


def test_launch_is_signed_like_an_lms(
    admin_client: Client, enabled: Settings, consumer: Consumer, content: Content
) -> None:
    html = post_launch(admin_client, consumer, content)
    fields = launch_fields(html)
    values = dict(fields)

    assert values["oauth_signature"] == rfc5849_signature(LAUNCH_URL, fields, "test-secret")
    assert values["oauth_consumer_key"] == "test-key"
    assert values["oauth_signature_method"] == "HMAC-SHA1"
    assert values["lti_message_type"] == "basic-lti-launch-request"
    assert values["lti_version"] == "LTI-1p0"
    assert values["custom_content_id"] == str(content.pk)
    assert values["custom_content_type"] == "assessment"
    assert values["lis_person_name_full"] == "Ünïcödé Ñame-O'Test"
    assert values["context_title"] == "Maths + Stats 101 (Y)"
    assert values["launch_presentation_document_target"] == "iframe"


def test_launch_posts_into_iframe(
    admin_client: Client, enabled: Settings, consumer: Consumer, content: Content
) -> None:
    html = post_launch(admin_client, consumer, content)

    assert '<iframe class="tool" name="tool-frame"' in html
    assert f'action="{LAUNCH_URL}" target="tool-frame"' in html
    assert 'document.getElementById("lti-launch").submit()' in html


def test_launch_in_new_tab_posts_itself(
    admin_client: Client, enabled: Settings, consumer: Consumer, content: Content
) -> None:
    html = post_launch(admin_client, consumer, content, presentation="window")

    assert "<iframe" not in html
    assert 'target="_self"' in html
    assert dict(launch_fields(html))["launch_presentation_document_target"] == "window"


def test_learner_gets_gradebook_cell(
    admin_client: Client, enabled: Settings, consumer: Consumer, content: Content
) -> None:
    values = dict(launch_fields(post_launch(admin_client, consumer, content)))

    sourcedid = json.loads(values["lis_result_sourcedid"])
    assert sourcedid["data"] == {"context": "course-101", "link": "link-1", "user": "student-1"}
    assert values["lis_outcome_service_url"] == "http://testserver/lti/test-consumer/outcomes/"
    assert values["launch_presentation_return_url"] == "http://testserver/lti/test-consumer/return/"


def test_instructor_gets_no_gradebook_cell(
    admin_client: Client, enabled: Settings, consumer: Consumer, content: Content
) -> None:
    values = dict(launch_fields(post_launch(admin_client, consumer, content, role="Instructor")))

    assert values["roles"] == "Instructor"
    assert "lis_result_sourcedid" not in values
    assert "lis_outcome_service_url" not in values


def test_optional_ids_become_custom_parameters(
    admin_client: Client, enabled: Settings, consumer: Consumer, content: Content
) -> None:
    class_id, lesson_id = uuid.uuid4(), uuid.uuid4()

    values = dict(
        launch_fields(
            post_launch(
                admin_client, consumer, content, class_id=str(class_id), lesson_id=str(lesson_id)
            )
        )
    )

    assert values["custom_class_id"] == str(class_id)
    assert values["custom_lesson_id"] == str(lesson_id)
    assert "custom_course_id" not in values
    assert "custom_unit_id" not in values


def test_launch_rejects_bad_class_id(
    admin_client: Client, enabled: Settings, consumer: Consumer, content: Content
) -> None:
    response = admin_client.post(PAGE, launch_form(consumer, content, class_id="not-a-uuid"))

    assert response.status_code == 400
    assert "oauth_signature" not in response.content.decode()


def test_inactive_consumer_is_not_offered(
    admin_client: Client, enabled: Settings, consumer: Consumer, content: Content
) -> None:
    consumer.active = False
    consumer.save()

    response = admin_client.post(PAGE, launch_form(consumer, content))

    assert response.status_code == 400


def test_launch_page_needs_staff(client: Client, enabled: Settings) -> None:
    User.objects.create_user("plain", password="pw-plain-user-1")
    client.login(username="plain", password="pw-plain-user-1")

    response = client.get(PAGE)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("path", [PAGE, f"{PAGE}inspector/", f"{PAGE}return/"])
def test_pages_are_404_when_disabled(admin_client: Client, settings: Settings, path: str) -> None:
    settings.TEST_CONSUMER_ENABLED = False

    assert admin_client.get(path).status_code == 404


def test_return_page_shows_tool_message(client: Client, enabled: Settings) -> None:
    response = client.get(f"{PAGE}return/", {"lti_errormsg": "<b>Content not found</b>"})

    page = response.content.decode()
    assert "&lt;b&gt;Content not found&lt;/b&gt;" in page
    assert "<b>Content not found" not in page
