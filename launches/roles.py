"""Parse the LTI 1.1 `roles` parameter into what the launch and the player need.

LMSs send roles in several spellings: short names (`Learner`), LTI 1.1 URNs
(`urn:lti:role:ims/lis/Learner`, `urn:lti:instrole:ims/lis/Administrator`), LIS v2
URIs (`http://purl.imsglobal.org/vocab/lis/v2/membership#Learner`) and the
non-standard `Student`. Each is reduced to its last path or fragment segment,
lowercased, so that all spellings of one role compare equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Names are lowercased last segments. Sub-roles such as
# urn:lti:role:ims/lis/Instructor/PrimaryInstructor end in their own name, so
# they are listed with their parent role.
LEARNER_ROLES = frozenset(
    {"learner", "student", "noncreditlearner", "guestlearner", "externallearner"}
)
INSTRUCTOR_ROLES = frozenset(
    {"instructor", "primaryinstructor", "lecturer", "guestinstructor", "externalinstructor"}
)
TEACHING_ASSISTANT_ROLES = frozenset(
    {
        "teachingassistant",
        "teachingassistantsection",
        "teachingassistantsectionassociation",
        "teachingassistantoffering",
        "teachingassistanttemplate",
        "teachingassistantgroup",
        "grader",
    }
)
CONTENT_DEVELOPER_ROLES = frozenset(
    {"contentdeveloper", "librarian", "contentexpert", "externalcontentexpert"}
)
ADMINISTRATOR_ROLES = frozenset(
    {
        "administrator",
        "sysadmin",
        "systemadministrator",
        "accountadmin",
        "support",
        "developer",
        "exceptionadmin",
        "externaldeveloper",
        "externalsupport",
        "externalsystemadministrator",
    }
)

_SEGMENT_SEPARATORS = re.compile(r"[/#:]")


def role_name(role: str) -> str:
    """Reduce one role to its lowercased last path or fragment segment."""
    return _SEGMENT_SEPARATORS.split(role.strip())[-1].strip().lower()


@dataclass(frozen=True)
class Roles:
    """The roles of one launch, as lowercased last segments."""

    names: frozenset[str]

    @property
    def is_learner(self) -> bool:
        return not self.names.isdisjoint(LEARNER_ROLES)

    @property
    def is_instructor(self) -> bool:
        return not self.names.isdisjoint(INSTRUCTOR_ROLES)

    @property
    def is_teaching_assistant(self) -> bool:
        return not self.names.isdisjoint(TEACHING_ASSISTANT_ROLES)

    @property
    def is_content_developer(self) -> bool:
        return not self.names.isdisjoint(CONTENT_DEVELOPER_ROLES)

    @property
    def is_administrator(self) -> bool:
        return not self.names.isdisjoint(ADMINISTRATOR_ROLES)

    @property
    def is_staff(self) -> bool:
        """True for any role that may see or change other learners' work."""
        return (
            self.is_instructor
            or self.is_teaching_assistant
            or self.is_content_developer
            or self.is_administrator
        )

    @property
    def is_student(self) -> bool:
        """True when a learner role is present and no staff role is."""
        return self.is_learner and not self.is_staff


def parse_roles(value: str | None) -> Roles:
    """Parse a comma-separated `roles` value; None or blank gives no roles at all."""
    names = {role_name(role) for role in (value or "").split(",")}
    names.discard("")
    return Roles(names=frozenset(names))
