"""Roles: every spelling LMSs use, reduced to student or staff."""

from __future__ import annotations

import pytest

from launches.roles import parse_roles


@pytest.mark.parametrize(
    "value",
    [
        "Learner",
        "urn:lti:role:ims/lis/Learner",
        "Student",
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
        "urn:lti:instrole:ims/lis/Student",
        "urn:lti:role:ims/lis/Learner/NonCreditLearner",
        "LEARNER",
        " learner ",
    ],
)
def test_parse_roles_recognises_student(value: str) -> None:
    roles = parse_roles(value)

    assert roles.is_learner
    assert roles.is_student
    assert not roles.is_staff


@pytest.mark.parametrize(
    "value",
    [
        "Instructor,Learner",
        " Instructor , Learner ",
        "urn:lti:role:ims/lis/TeachingAssistant",
        "urn:lti:instrole:ims/lis/Administrator",
        "Learner,urn:lti:role:ims/lis/ContentDeveloper",
        "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
        "urn:lti:role:ims/lis/Instructor/PrimaryInstructor",
    ],
)
def test_parse_roles_staff_is_not_student(value: str) -> None:
    roles = parse_roles(value)

    assert roles.is_staff
    assert not roles.is_student


@pytest.mark.parametrize("value", [None, "", " ", ",", " , "])
def test_parse_roles_empty_is_neither(value: str | None) -> None:
    roles = parse_roles(value)

    assert roles.names == frozenset()
    assert not roles.is_staff
    assert not roles.is_student


def test_parse_roles_names_each_family() -> None:
    roles = parse_roles(
        "Instructor,urn:lti:role:ims/lis/TeachingAssistant,ContentDeveloper,"
        "urn:lti:sysrole:ims/lis/SysAdmin"
    )

    assert roles.is_instructor
    assert roles.is_teaching_assistant
    assert roles.is_content_developer
    assert roles.is_administrator
    assert roles.names == {"instructor", "teachingassistant", "contentdeveloper", "sysadmin"}


def test_parse_roles_mentor_is_neither() -> None:
    roles = parse_roles("urn:lti:role:ims/lis/Mentor")

    assert not roles.is_student
    assert not roles.is_staff
