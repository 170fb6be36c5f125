"""What the outcome inspector received, the gradebook it keeps, and its planned failures."""

from __future__ import annotations

from django.db import models

from launches.models import Consumer


class Verdict(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    FAILED_ON_PURPOSE = "failed_on_purpose", "Failed on purpose"
    UNSIGNED = "unsigned", "Not signed with OAuth"
    UNKNOWN_CONSUMER = "unknown_consumer", "Unknown consumer key"
    BAD_SIGNATURE = "bad_signature", "Invalid signature"
    BAD_BODY_HASH = "bad_body_hash", "Invalid body hash"
    STALE_TIMESTAMP = "stale_timestamp", "Timestamp outside the window"
    REPLAYED_NONCE = "replayed_nonce", "Nonce used before"
    INVALID_BODY = "invalid_body", "Invalid body"


class RequestFormat(models.TextChoices):
    GOORU_JSON = "gooru_json", "Gooru JSON"
    LTI_POX = "lti_pox", "LTI 1.1 POX"
    UNKNOWN = "unknown", "Unknown"


class InspectedRequest(models.Model):
    """One request that reached the outcome inspector, with what it carried and the verdict."""

    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    consumer = models.ForeignKey(
        Consumer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    consumer_key = models.CharField(max_length=255, blank=True)
    request_format = models.CharField(
        "format", max_length=20, choices=RequestFormat.choices, default=RequestFormat.UNKNOWN
    )
    operation = models.CharField(max_length=40, blank=True, help_text="For POX: replaceResult etc.")
    sourcedid = models.TextField(blank=True)
    score = models.FloatField(null=True, blank=True)
    content_type = models.CharField(max_length=255, blank=True)
    delivery_id = models.CharField(
        max_length=255, blank=True, help_text="The X-Delivery-Id or Idempotency-Key header."
    )
    oauth_nonce = models.CharField(max_length=255, blank=True)
    signature_valid = models.BooleanField(default=False)
    body_hash_valid = models.BooleanField(default=False)
    verdict = models.CharField(max_length=30, choices=Verdict.choices)
    detail = models.TextField(blank=True, help_text="Why the request was rejected, in words.")
    status_code = models.PositiveSmallIntegerField()
    body = models.TextField(blank=True)
    response_body = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["consumer", "oauth_nonce"], name="inspected_nonce")]

    def __str__(self) -> str:
        return f"{self.get_request_format_display()} {self.operation} {self.verdict}"


class GradebookEntry(models.Model):
    """The score the inspector holds for one sourcedid of one consumer, as an LMS would."""

    consumer = models.ForeignKey(Consumer, on_delete=models.CASCADE, related_name="+")
    sourcedid = models.TextField()
    score = models.FloatField()
    result_data = models.TextField(blank=True, help_text="The text or URL sent with a POX replace.")
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "gradebook entries"
        ordering = ["-updated"]
        constraints = [
            models.UniqueConstraint(fields=["consumer", "sourcedid"], name="one_grade_per_sourcedid")
        ]

    def __str__(self) -> str:
        return f"{self.sourcedid}: {self.score}"


class FailureMode(models.TextChoices):
    HTTP_503 = "http_503", "HTTP 503 Service Unavailable"
    REJECT = "reject", "Reject: POX codeMajor failure, JSON 400"


class FailurePlan(models.Model):
    """How many of the next requests the inspector fails, and how (a single row, pk 1)."""

    remaining = models.PositiveIntegerField(default=0)
    mode = models.CharField(max_length=20, choices=FailureMode.choices, default=FailureMode.HTTP_503)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Fail the next {self.remaining} ({self.get_mode_display()})"

    @classmethod
    def current(cls) -> FailurePlan:
        plan, _ = cls.objects.get_or_create(pk=1)
        return plan

    @classmethod
    def schedule(cls, count: int, mode: str) -> FailurePlan:
        """Replace the plan: fail the next count requests in the given mode."""
        plan, _ = cls.objects.update_or_create(pk=1, defaults={"remaining": count, "mode": mode})
        return plan

    @classmethod
    def take(cls) -> str | None:
        """Use up one planned failure and return its mode, or None when none is left.

        The conditional update decrements only while the count is positive, so two
        requests that arrive together never use up one planned failure twice.
        """
        plan = cls.objects.filter(pk=1, remaining__gt=0).first()
        if plan is None:
            return None
        updated = cls.objects.filter(pk=1, remaining__gt=0).update(
            remaining=models.F("remaining") - 1
        )
        return plan.mode if updated == 1 else None
