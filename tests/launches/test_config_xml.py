"""config.xml: the basic LTI link an LMS administrator pastes into the LMS."""

from __future__ import annotations

import uuid

import pytest
from defusedxml import ElementTree
from django.test import Client, override_settings

from tests.factories import ContentFactory

NAMESPACES = {
    "cc": "http://www.imsglobal.org/xsd/imslticc_v1p0",
    "blti": "http://www.imsglobal.org/xsd/imsbasiclti_v1p0",
    "lticm": "http://www.imsglobal.org/xsd/imslticm_v1p0",
}


def fetch(client: Client, query: str = "", secure: bool = True) -> ElementTree.Element:
    response = client.get(
        f"/lti/config.xml{query}", secure=secure, headers={"host": "tool.example.edu"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    return ElementTree.fromstring(response.content)


def test_config_xml_names_launch_url(client: Client) -> None:
    root = fetch(client)

    assert root.tag == "{http://www.imsglobal.org/xsd/imslticc_v1p0}cartridge_basiclti_link"
    assert (
        root.findtext("blti:launch_url", namespaces=NAMESPACES)
        == "https://tool.example.edu/lti/launch/"
    )
    assert (
        root.findtext("blti:secure_launch_url", namespaces=NAMESPACES)
        == "https://tool.example.edu/lti/launch/"
    )
    assert root.find("blti:custom", NAMESPACES) is None
    canvas = root.find("blti:extensions[@platform='canvas.instructure.com']", NAMESPACES)
    assert canvas is not None
    properties = {
        item.get("name"): item.text for item in canvas.findall("lticm:property", NAMESPACES)
    }
    assert properties["privacy_level"] == "public"
    assert properties["domain"] == "tool.example.edu"


@pytest.mark.django_db
def test_config_xml_prefills_custom_parameters(client: Client) -> None:
    content_id = ContentFactory(content_type="assessment").pk
    class_id = uuid.uuid4()

    root = fetch(client, f"?content_type=Assessment&content_id={content_id}&class_id={class_id}")

    custom = root.find("blti:custom", NAMESPACES)
    assert custom is not None
    properties = {
        item.get("name"): item.text for item in custom.findall("lticm:property", NAMESPACES)
    }
    assert properties == {
        "class_id": str(class_id),
        "content_id": str(content_id),
        "content_type": "assessment",
    }


def test_config_xml_over_http_has_no_secure_url(client: Client) -> None:
    root = fetch(client, secure=False)

    assert (
        root.findtext("blti:launch_url", namespaces=NAMESPACES)
        == "http://tool.example.edu/lti/launch/"
    )
    assert root.find("blti:secure_launch_url", NAMESPACES) is None


@override_settings(LTI_PUBLIC_BASE_URL="https://lti.example.org/gooru")
def test_config_xml_uses_public_base_url(client: Client) -> None:
    root = fetch(client, secure=False)

    assert (
        root.findtext("blti:launch_url", namespaces=NAMESPACES)
        == "https://lti.example.org/gooru/lti/launch/"
    )


@pytest.mark.parametrize(
    "query",
    ["?content_type=video", "?content_id=42", "?lesson_id=x"],
    ids=["type", "content", "lesson"],
)
def test_config_xml_rejects_invalid_query(client: Client, query: str) -> None:
    response = client.get(
        f"/lti/config.xml{query}", secure=True, headers={"host": "tool.example.edu"}
    )

    assert response.status_code == 400


@pytest.mark.django_db
def test_config_xml_unknown_content_is_404(client: Client) -> None:
    response = client.get(
        f"/lti/config.xml?content_type=assessment&content_id={uuid.uuid4()}",
        secure=True,
        headers={"host": "tool.example.edu"},
    )

    assert response.status_code == 404
    assert b"import the content first" in response.content


@pytest.mark.django_db
def test_config_xml_content_of_other_type_is_404(client: Client) -> None:
    collection = ContentFactory(content_type="collection")

    response = client.get(
        f"/lti/config.xml?content_type=assessment&content_id={collection.pk}",
        secure=True,
        headers={"host": "tool.example.edu"},
    )

    assert response.status_code == 404


@pytest.mark.django_db
def test_config_xml_content_id_without_type_is_400(client: Client) -> None:
    content = ContentFactory(content_type="assessment")

    response = client.get(
        f"/lti/config.xml?content_id={content.pk}",
        secure=True,
        headers={"host": "tool.example.edu"},
    )

    assert response.status_code == 400
    assert b"both content_type and content_id" in response.content
