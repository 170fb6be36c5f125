"""The launch endpoint from the browser's side: records, redirects and error pages."""

from __future__ import annotations

import logging
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import reverse
from lti import ToolConsumer

from launches.models import Consumer, Launch, LtiUser, Nonce
from launches.selectors import launch_newest_for_link
from launches.tokens import make_launch_token, read_launch_token
from player_api.models import Content
from tests.factories import ConsumerFactory, ContentFactory
from tests.launches.signing import (
    LAUNCH_URL,
    Params,
    fresh_nonce,
    p0,
    post_launch,
    sign,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

RETURN_URL = "https://lms.example.org/courses/7/modules?tab=1"


def content_fields(content: Content) -> dict[str, str]:
    return {"custom_content_id": str(content.pk), "custom_content_type": content.content_type}


def signed_launch(content: Content, secret: str = "test-secret", **changes: str | None) -> Params:
    """P0 with a fresh nonce and the content chosen, signed for LAUNCH_URL."""
    fields = {"oauth_nonce": fresh_nonce(), **content_fields(content), **changes}
    return sign(p0(**fields), secret=secret)


def launched(response: object) -> Launch:
    """Return the launch that a 303 to the player names."""
    assert response.status_code == 303  # type: ignore[attr-defined]
    location = response["Location"]  # type: ignore[index]
    token = location.removeprefix("/play/").removesuffix("/")
    launch = read_launch_token(token)
    assert location == reverse("player_api:play", kwargs={"token": make_launch_token(launch)})
    return launch


def assert_nothing_written() -> None:
    assert not LtiUser.objects.exists()
    assert not Launch.objects.exists()
    assert not Nonce.objects.exists()
    assert not Session.objects.exists()


def test_launch_records_everything(client: Client, consumer: Consumer, assessment: Content) -> None:
    ids = {name: str(uuid.uuid4()) for name in ("class", "course", "unit", "lesson")}
    params = signed_launch(
        assessment,
        tool_consumer_instance_guid="lms.example.org",
        context_title="Maths 101",
        launch_presentation_return_url=RETURN_URL,
        ext_outcome_data_values_accepted="text,url",
        lis_person_name_full="Alice Learner",
        lis_person_contact_email_primary="alice@example.org",
        **{f"custom_{name}_id": value for name, value in ids.items()},
    )

    launch = launched(post_launch(client, params))

    assert launch.consumer == consumer
    assert launch.user.lms_user_id == "u-456"
    assert launch.user.name == "Alice Learner"
    assert launch.user.email == "alice@example.org"
    assert launch.resource_link_id == "rl-123"
    assert launch.context_id == "ctx-1"
    assert launch.context_title == "Maths 101"
    assert launch.tool_consumer_instance_guid == "lms.example.org"
    assert launch.roles == "Learner"
    assert launch.is_student
    assert launch.content_type == "assessment"
    assert launch.content_id == assessment.pk
    assert str(launch.class_id) == ids["class"]
    assert str(launch.course_id) == ids["course"]
    assert str(launch.unit_id) == ids["unit"]
    assert str(launch.lesson_id) == ids["lesson"]
    assert launch.lis_result_sourcedid == "src-789"
    assert launch.is_graded
    assert launch.lis_outcome_service_url == "https://lms.example.org/outcomes"
    assert launch.launch_presentation_return_url == RETURN_URL
    assert launch.ext_outcome_data_values_accepted == "text,url"
    assert Nonce.objects.filter(consumer=consumer, value=dict(params)["oauth_nonce"]).count() == 1


def test_launch_per_content_url(client: Client, consumer: Consumer) -> None:
    collection = ContentFactory(content_type="collection", title="Reading list")
    url = f"https://tool.example.edu/lti/launch/collection/{collection.pk}/"

    launch = launched(post_launch(client, sign(p0(oauth_nonce=fresh_nonce()), url), url))

    assert launch.content_type == "collection"
    assert launch.content_id == collection.pk


def test_launch_works_without_csrf_token(consumer: Consumer, assessment: Content) -> None:
    client = Client(enforce_csrf_checks=True)

    launched(post_launch(client, signed_launch(assessment)))


def test_launch_stores_unicode_name_exactly(
    client: Client, consumer: Consumer, assessment: Content
) -> None:
    params = signed_launch(
        assessment,
        lis_person_name_full="Ünïcödé Ñame-O'Test",
        context_title="Maths + Stats 101 (Y)",
    )

    launch = launched(post_launch(client, params))

    assert launch.user.name == "Ünïcödé Ñame-O'Test"
    assert launch.context_title == "Maths + Stats 101 (Y)"


def test_launch_twice_in_sequence(client: Client, consumer: Consumer, assessment: Content) -> None:
    params = signed_launch(assessment)

    first = post_launch(client, params)
    second = post_launch(client, params)

    launched(first)
    assert second.status_code == 403
    assert b"This launch link was already used" in second.content
    assert b"open the activity again" in second.content
    assert Launch.objects.count() == 1


def test_launch_creates_user_per_user_id(
    client: Client, consumer: Consumer, assessment: Content
) -> None:
    first = launched(post_launch(client, signed_launch(assessment, user_id="u-456")))
    second = launched(post_launch(client, signed_launch(assessment, user_id="u-457")))

    assert first.user != second.user
    assert LtiUser.objects.count() == 2
    assert {(user.name, user.email) for user in LtiUser.objects.all()} == {("", "")}


def test_launch_creates_user_per_consumer(
    client: Client, consumer: Consumer, other_consumer: Consumer, assessment: Content
) -> None:
    here = launched(post_launch(client, signed_launch(assessment)))
    elsewhere = launched(
        post_launch(
            client,
            signed_launch(assessment, secret="other-secret", oauth_consumer_key="other-key"),
        )
    )

    assert here.user.lms_user_id == elsewhere.user.lms_user_id == "u-456"
    assert here.user != elsewhere.user
    assert elsewhere.user.consumer == other_consumer


def test_launch_updates_name_and_email(
    client: Client, consumer: Consumer, assessment: Content
) -> None:
    launched(
        post_launch(
            client,
            signed_launch(
                assessment,
                lis_person_name_full="Al",
                lis_person_contact_email_primary="al@example.org",
            ),
        )
    )
    launched(
        post_launch(
            client,
            signed_launch(
                assessment, lis_person_name_given="Alice", lis_person_name_family="Liddell"
            ),
        )
    )

    user = LtiUser.objects.get()
    assert user.name == "Alice Liddell"
    assert user.email == "al@example.org"


def test_launch_never_merges_users_by_email(
    client: Client, consumer: Consumer, assessment: Content
) -> None:
    email = "shared@example.org"
    launched(
        post_launch(
            client, signed_launch(assessment, user_id="u-1", lis_person_contact_email_primary=email)
        )
    )
    launched(
        post_launch(
            client, signed_launch(assessment, user_id="u-2", lis_person_contact_email_primary=email)
        )
    )

    assert LtiUser.objects.filter(email=email).count() == 2


def test_launch_newest_sourcedid_wins(
    client: Client, consumer: Consumer, assessment: Content
) -> None:
    first = launched(post_launch(client, signed_launch(assessment)))
    second = launched(
        post_launch(client, signed_launch(assessment, lis_result_sourcedid="src-789-v2"))
    )

    newest = launch_newest_for_link(consumer, "rl-123", first.user)
    assert newest == second
    assert newest is not None
    assert newest.lis_result_sourcedid == "src-789-v2"


def test_launch_two_links_keep_own_sourcedid(
    client: Client, consumer: Consumer, assessment: Content
) -> None:
    quiz = launched(
        post_launch(
            client, signed_launch(assessment, resource_link_id="rl-a", lis_result_sourcedid="src-a")
        )
    )
    homework = launched(
        post_launch(
            client, signed_launch(assessment, resource_link_id="rl-b", lis_result_sourcedid="src-b")
        )
    )

    assert read_launch_token(make_launch_token(quiz)).lis_result_sourcedid == "src-a"
    assert read_launch_token(make_launch_token(homework)).lis_result_sourcedid == "src-b"
    newest_quiz = launch_newest_for_link(consumer, "rl-a", quiz.user)
    newest_homework = launch_newest_for_link(consumer, "rl-b", quiz.user)
    assert newest_quiz is not None and newest_quiz.lis_result_sourcedid == "src-a"
    assert newest_homework is not None and newest_homework.lis_result_sourcedid == "src-b"


def test_instructor_launch_opens_preview(
    client: Client, consumer: Consumer, assessment: Content
) -> None:
    response = post_launch(
        client, signed_launch(assessment, roles="Instructor", lis_result_sourcedid=None)
    )
    launch = launched(response)
    player = client.get(response["Location"], secure=True, headers={"host": "tool.example.edu"})

    assert not launch.is_student
    assert not launch.is_graded
    assert player.status_code == 200
    assert player.context["config"]["graded"] is False


@pytest.mark.parametrize(
    ("params", "status"),
    [
        (p0(), 400),
        (p0() + [("oauth_signature", "AAAA")], 403),
        (sign(p0(oauth_consumer_key="nobody")), 403),
        (sign(p0(oauth_consumer_key="retired-key"), secret="retired-secret"), 403),
        (p0(oauth_signature_method="PLAINTEXT") + [("oauth_signature", "test-secret&")], 400),
        (sign(p0(oauth_timestamp=None)), 400),
        (sign(p0(resource_link_id=None)), 400),
        (sign(p0(lti_message_type="ContentItemSelectionRequest")), 400),
        (sign(p0(lti_version="LTI-2p0")), 400),
        (sign(p0(oauth_timestamp="1699999000")), 403),
    ],
    ids=[
        "no-signature",
        "signature-aaaa",
        "unknown-key",
        "inactive-consumer",
        "plaintext",
        "no-timestamp",
        "no-resource-link-id",
        "wrong-message-type",
        "wrong-lti-version",
        "old-timestamp",
    ],
)
@pytest.mark.usefixtures("consumer", "inactive_consumer", "assessment")
def test_launch_rejects_with_page(
    client: Client, params: Params, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        response = post_launch(client, params)

    assert response.status_code == status
    assert b"For the LMS administrator: reason" in response.content
    assert "Set-Cookie" not in response.headers
    assert not response.cookies
    assert_nothing_written()
    lines = [record.getMessage() for record in caplog.records if record.name.startswith("launches")]
    assert len(lines) == 1
    assert lines[0].startswith("Launch rejected: reason=")
    assert "consumer_key=" in lines[0]
    signature = dict(params).get("oauth_signature")
    for record in caplog.records:
        assert "test-secret" not in record.getMessage()
        if signature:
            assert signature not in record.getMessage()


def test_launch_rejection_logs_key_and_reason(
    client: Client, consumer: Consumer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="launches"):
        post_launch(client, p0() + [("oauth_signature", "AAAA")])

    assert [record.getMessage().split(" detail=")[0] for record in caplog.records] == [
        "Launch rejected: reason=invalid_signature consumer_key='test-key'"
    ]


def test_launch_without_user_id_names_privacy_setting(
    client: Client, consumer: Consumer, assessment: Content
) -> None:
    response = post_launch(client, signed_launch(assessment, user_id=None))

    assert response.status_code == 400
    assert b"privacy setting" in response.content
    assert_nothing_written()


def test_launch_error_returns_to_lms_when_verified(
    client: Client, consumer: Consumer, assessment: Content
) -> None:
    params = signed_launch(assessment, user_id=None, launch_presentation_return_url=RETURN_URL)

    response = post_launch(client, params)

    assert response.status_code == 303
    location = urlsplit(response["Location"])
    assert location._replace(query="").geturl() == "https://lms.example.org/courses/7/modules"
    query = parse_qs(location.query)
    assert query["tab"] == ["1"]
    assert "privacy setting" in query["lti_errormsg"][0]
    assert query["lti_errorlog"][0].startswith("missing_user_id")
    assert_nothing_written()


def test_launch_for_missing_content_is_rejected(client: Client, consumer: Consumer) -> None:
    absent = ContentFactory.build()
    params = signed_launch(absent, launch_presentation_return_url=RETURN_URL)

    response = post_launch(client, params)

    assert response.status_code == 303
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["lti_errormsg"][0].startswith("This Gooru content does not exist")
    assert str(absent.pk) in query["lti_errorlog"][0]
    assert_nothing_written()


def test_launch_for_content_of_other_type_is_rejected(
    client: Client, consumer: Consumer, assessment: Content
) -> None:
    params = signed_launch(assessment, custom_content_type="collection")

    response = post_launch(client, params)

    assert response.status_code == 404
    assert b"This Gooru content does not exist" in response.content
    assert_nothing_written()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"custom_content_id": None, "custom_content_type": None}, b"which Gooru content"),
        ({"custom_content_id": "not-a-uuid"}, b"not a UUID"),
        ({"custom_content_type": "video"}, b"use assessment or collection"),
        ({"custom_class_id": "12"}, b"custom_class_id"),
        ({"resource_link_id": "r" * 256}, b"longer than 255"),
    ],
    ids=["no-content", "content-id", "content-type", "class-id", "long-link-id"],
)
def test_launch_rejects_invalid_parameter(
    client: Client,
    consumer: Consumer,
    assessment: Content,
    changes: dict[str, str | None],
    message: bytes,
) -> None:
    response = post_launch(client, signed_launch(assessment, **changes))

    assert 400 <= response.status_code < 500
    assert message in response.content
    assert_nothing_written()


def test_launch_never_redirects_unverified(client: Client, consumer: Consumer) -> None:
    params = p0(launch_presentation_return_url="https://attacker.example.net/") + [
        ("oauth_signature", "AAAA")
    ]

    response = post_launch(client, params)

    assert response.status_code == 403
    assert "Location" not in response.headers


def test_launch_ignores_javascript_return_url(
    client: Client, consumer: Consumer, assessment: Content
) -> None:
    params = signed_launch(
        assessment, user_id=None, launch_presentation_return_url="javascript:alert(1)"
    )

    response = post_launch(client, params)

    assert response.status_code == 400
    assert "Location" not in response.headers


def test_launch_page_hides_base_string_by_default(client: Client, consumer: Consumer) -> None:
    response = post_launch(client, p0() + [("oauth_signature", "AAAA")])

    assert b"signature-base-string" not in response.content


def test_launch_page_shows_base_string_for_debug_consumer(client: Client) -> None:
    ConsumerFactory(key="test-key", secret="test-secret", debug_launches=True)

    response = post_launch(client, p0() + [("oauth_signature", "AAAA")])

    assert b'id="signature-base-string"' in response.content
    assert (
        b"POST&amp;https%3A%2F%2Ftool.example.edu%2Flti%2Flaunch%2F&amp;context_id%3Dctx-1"
        in response.content
    )
    assert b"AAAA" not in response.content
    assert b"test-secret" not in response.content


@override_settings(DEBUG=True)
def test_launch_page_shows_base_string_in_debug(client: Client, consumer: Consumer) -> None:
    response = post_launch(client, p0() + [("oauth_signature", "AAAA")])

    assert b'id="signature-base-string"' in response.content


def test_launch_page_explains_untrusted_proxy(client: Client, consumer: Consumer) -> None:
    params = p0() + [("oauth_signature", "e04YUhrFlHbCipJ9yTiFimlNwp4=")]

    response = post_launch(
        client, params, "http://tool.example.edu/lti/launch/", {"x-forwarded-proto": "https"}
    )

    assert response.status_code == 403
    assert b"TRUST_PROXY_HEADERS" in response.content


def test_launch_get_explains_endpoint(client: Client) -> None:
    response = client.get("/lti/launch/")

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert b"This URL is an LTI launch endpoint" in response.content


def test_launch_url_is_public(client: Client) -> None:
    assert reverse("launches:launch") == urlsplit(LAUNCH_URL).path


@pytest.mark.parametrize(
    "url",
    [LAUNCH_URL, "https://tool.example.edu/lti/launch/?quiz=42"],
    ids=["plain", "query"],
)
def test_launch_accepts_lti_package_consumer(
    client: Client, consumer: Consumer, assessment: Content, url: str
) -> None:
    """The PyPI lti package's ToolConsumer signs on its own, as an LMS would."""
    tool_consumer = ToolConsumer(
        consumer_key="test-key",
        consumer_secret="test-secret",
        launch_url=url,
        params={
            "lti_message_type": "basic-lti-launch-request",
            "lti_version": "LTI-1p0",
            "resource_link_id": "rl-lti-package",
            "user_id": "u-lti-package",
            "roles": "urn:lti:role:ims/lis/Learner",
            "lis_person_name_full": "Zoë d'Arc",
            **content_fields(assessment),
        },
    )

    launch = launched(post_launch(client, list(tool_consumer.generate_launch_data().items()), url))

    assert launch.resource_link_id == "rl-lti-package"
    assert launch.user.name == "Zoë d'Arc"
    assert launch.is_student


@override_settings(TRUST_PROXY_HEADERS=True)
def test_launch_from_unknown_forwarded_host_is_400(client: Client, consumer: Consumer) -> None:
    params = p0() + [("oauth_signature", "e04YUhrFlHbCipJ9yTiFimlNwp4=")]

    response = post_launch(client, params, headers={"x-forwarded-host": "evil.example.net"})

    assert response.status_code == 400
    assert_nothing_written()


LMS_LAUNCHES = {
    "moodle": {
        "oauth_nonce": "3f8e5c1a9b7d4e2f8a6c0b1d3e5f7a9c",
        "roles": "Learner",
        "ext_lms": "moodle-2",
        "tool_consumer_info_product_family_code": "moodle",
        "lis_person_name_given": "Mo",
        "lis_person_name_family": "Odle",
    },
    "blackboard": {
        "roles": "urn:lti:role:ims/lis/Learner",
        "oauth_callback": "about:blank",
        "tool_consumer_info_product_family_code": "Blackboard Learn",
    },
    "canvas": {
        "roles": "Learner",
        "ext_roles": "urn:lti:instrole:ims/lis/Student,urn:lti:role:ims/lis/Learner",
        "custom_canvas_user_id": "42",
        "oauth_signature_method": "HMAC-SHA256",
    },
    "open-edx": {
        "roles": "Student",
        "user_id": "8d3c0f9a5b4e4d2c9f1e7a6b5c4d3e2f",
        "lis_result_sourcedid": "course-v1%3AOrg%2BX%2B2024:lms.example.org-block-v1:Org:8d3c",
    },
    "brightspace": {
        "roles": "urn:lti:instrole:ims/lis/Student,Learner",
        "oauth_nonce": "1700000000123456",
    },
    "sakai": {
        "roles": "Learner",
        "oauth_callback": "about:blank",
        "ext_sakai_server": "https://sakai.example.edu",
    },
    "schoology": {"roles": "Learner", "oauth_nonce": "a1"},
}


@pytest.mark.parametrize("fields", LMS_LAUNCHES.values(), ids=LMS_LAUNCHES.keys())
def test_launch_accepts_each_lms(
    client: Client, consumer: Consumer, assessment: Content, fields: dict[str, str]
) -> None:
    params = sign(p0(**{"oauth_nonce": fresh_nonce(), **content_fields(assessment), **fields}))

    launch = launched(post_launch(client, params))

    assert launch.is_student
    assert launch.user.lms_user_id == fields.get("user_id", "u-456")
    assert launch.lis_result_sourcedid == fields.get("lis_result_sourcedid", "src-789")


def test_launch_error_page_is_frameable_by_lms(client: Client) -> None:
    ConsumerFactory(key="test-key", secret="test-secret", lms_origin="https://canvas.example.edu")

    response = post_launch(client, p0() + [("oauth_signature", "AAAA")])

    assert response.status_code == 403
    assert "X-Frame-Options" not in response
    assert response["Content-Security-Policy"] == (
        "frame-ancestors 'self' https://canvas.example.edu"
    )
