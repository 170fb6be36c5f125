"""Consumers (the LMSs we trust), their nonces, LMS users and launches."""

from __future__ import annotations

import secrets
import uuid

from django.core.validators import RegexValidator, URLValidator
from django.db import models

from launches import crypto

# Some LMSs truncate longer secrets; 43 URL-safe characters carry 256 bits.
SECRET_MAX_LENGTH = 64


def generate_consumer_key() -> str:
    return f"gooru-{secrets.token_hex(8)}"


def generate_consumer_secret() -> str:
    return secrets.token_urlsafe(32)


class OutcomeFormat(models.TextChoices):
    GOORU_JSON = "gooru_json", "Gooru JSON"
    LTI_POX = "lti_pox", "LTI 1.1 Basic Outcomes (POX)"


class PoxTarget(models.TextChoices):
    CONFIGURED = "configured", "The configured outcomes URL"
    LAUNCH = "launch", "The launch's lis_outcome_service_url, when its host is allowed"


class Consumer(models.Model):
    """An LMS registered by an operator: the OAuth key and secret and where scores go."""

    name = models.CharField(max_length=200)
    key = models.CharField(
        "consumer key",
        max_length=255,
        unique=True,
        blank=True,
        help_text="The oauth_consumer_key the LMS sends. Left blank, one is generated.",
        validators=[
            RegexValidator(
                r"^\S*\Z",
                message="The consumer key must not contain spaces or line breaks.",
            )
        ],
    )
    secret_encrypted = models.TextField(editable=False)
    outcomes_url = models.URLField(
        "outcomes URL",
        max_length=2000,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="Where scores are POSTed. Must be http or https.",
    )
    outcome_format = models.CharField(
        max_length=20, choices=OutcomeFormat.choices, default=OutcomeFormat.GOORU_JSON
    )
    pox_target = models.CharField(
        "POX target",
        max_length=20,
        choices=PoxTarget.choices,
        default=PoxTarget.CONFIGURED,
        help_text="For LTI 1.1 outcomes only: which URL receives replaceResult.",
    )
    allowed_outcome_hosts = models.TextField(
        blank=True,
        help_text="Hosts, one per line, whose lis_outcome_service_url may be used as POX target.",
    )
    lms_origin = models.CharField(
        "LMS origin",
        max_length=255,
        blank=True,
        help_text="For example https://canvas.example.edu: allowed to frame the player.",
    )
    debug_launches = models.BooleanField(
        default=False,
        help_text="Show the computed signature base string on rejected launches.",
    )
    active = models.BooleanField(default=True)
    notes = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    @property
    def secret(self) -> str:
        """The shared secret in plaintext; raises crypto.SecretDecryptionError on a lost key."""
        if not self.secret_encrypted:
            return ""
        return crypto.decrypt(self.secret_encrypted)

    @secret.setter
    def secret(self, value: str) -> None:
        value = (value or "").strip()
        self.secret_encrypted = crypto.encrypt(value) if value else ""

    def rotate_secret(self) -> str:
        """Replace the secret with a new random one, save it, and return it."""
        new_secret = generate_consumer_secret()
        self.secret = new_secret
        self.save(update_fields=["secret_encrypted", "updated"])
        return new_secret

    def allowed_outcome_host_list(self) -> list[str]:
        return [
            host.strip().lower()
            for host in self.allowed_outcome_hosts.replace(",", "\n").splitlines()
            if host.strip()
        ]

    def save(self, *args: object, **kwargs: object) -> None:
        self.key = (self.key or "").strip() or generate_consumer_key()
        if not self.secret_encrypted:
            self.secret = generate_consumer_secret()
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Nonce(models.Model):
    """An oauth_nonce seen from a consumer; the unique constraint rejects a replay."""

    consumer = models.ForeignKey(Consumer, on_delete=models.CASCADE, related_name="+")
    value = models.CharField(max_length=255)
    timestamp = models.BigIntegerField(help_text="oauth_timestamp, in Unix seconds.")
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consumer", "value"], name="nonce_once_per_consumer")
        ]
        indexes = [models.Index(fields=["timestamp"], name="nonce_timestamp")]


class LtiUser(models.Model):
    """A Gooru user for one LMS user_id at one consumer; never merged by name or email."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    consumer = models.ForeignKey(Consumer, on_delete=models.PROTECT, related_name="users")
    lms_user_id = models.CharField("LMS user_id", max_length=255)
    name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=255, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "LTI user"
        constraints = [
            models.UniqueConstraint(
                fields=["consumer", "lms_user_id"], name="one_user_per_lms_user_id"
            )
        ]

    def __str__(self) -> str:
        return self.name or self.lms_user_id


class ContentType(models.TextChoices):
    ASSESSMENT = "assessment", "Assessment"
    COLLECTION = "collection", "Collection"


class Launch(models.Model):
    """One verified basic-lti-launch-request and what outcomes need from it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    consumer = models.ForeignKey(Consumer, on_delete=models.PROTECT, related_name="launches")
    user = models.ForeignKey(LtiUser, on_delete=models.PROTECT, related_name="launches")
    resource_link_id = models.CharField(max_length=255)
    context_id = models.CharField(max_length=255, blank=True)
    context_title = models.CharField(max_length=255, blank=True)
    tool_consumer_instance_guid = models.CharField(max_length=255, blank=True)
    roles = models.TextField(blank=True)
    is_student = models.BooleanField(default=False)
    content_type = models.CharField(max_length=20, choices=ContentType.choices)
    content_id = models.UUIDField()
    class_id = models.UUIDField(null=True, blank=True)
    course_id = models.UUIDField(null=True, blank=True)
    unit_id = models.UUIDField(null=True, blank=True)
    lesson_id = models.UUIDField(null=True, blank=True)
    lis_result_sourcedid = models.TextField(blank=True)
    lis_outcome_service_url = models.TextField(blank=True)
    launch_presentation_return_url = models.TextField(blank=True)
    ext_outcome_data_values_accepted = models.CharField(max_length=255, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name_plural = "launches"
        indexes = [
            models.Index(
                fields=["consumer", "resource_link_id", "user", "-created"],
                name="launch_newest_for_link",
            )
        ]

    def __str__(self) -> str:
        return f"{self.consumer.key} {self.resource_link_id} {self.user_id}"

    @property
    def is_graded(self) -> bool:
        return bool(self.lis_result_sourcedid)
