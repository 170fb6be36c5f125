"""Outcome deliveries (the outbox) and every HTTP try made for them."""

from __future__ import annotations

import uuid

from django.db import models

from launches.models import Consumer, OutcomeFormat
from player_api.models import Attempt


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    SUPERSEDED = "superseded", "Superseded"
    CANCELLED = "cancelled", "Cancelled"


class Operation(models.TextChoices):
    REPLACE = "replace", "Replace result"
    READ = "read", "Read result"
    DELETE = "delete", "Delete result"


class Delivery(models.Model):
    """One outcome to send to a consumer, with its status and retry schedule."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    consumer = models.ForeignKey(Consumer, on_delete=models.PROTECT, related_name="deliveries")
    attempt = models.ForeignKey(Attempt, on_delete=models.PROTECT, related_name="deliveries")
    operation = models.CharField(max_length=10, choices=Operation.choices, default=Operation.REPLACE)
    outcome_format = models.CharField(max_length=20, choices=OutcomeFormat.choices)
    target_url = models.TextField()
    sourcedid = models.TextField()
    payload = models.TextField(help_text="The body to send, exactly as built on submit.")
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    tries = models.PositiveIntegerField(default=0)
    next_try_at = models.DateTimeField(null=True, blank=True)
    sending_since = models.DateTimeField(null=True, blank=True)
    claim_id = models.UUIDField(
        null=True, blank=True, editable=False, help_text="Set by the worker that holds the row."
    )
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text="When a send task was last put on the broker."
    )
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    confirmed = models.BooleanField(
        null=True, blank=True, help_text="False when the LMS replied 2xx with an empty body."
    )
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["status", "next_try_at"], name="delivery_due"),
            models.Index(fields=["consumer", "sourcedid"], name="delivery_by_sourcedid"),
        ]

    def __str__(self) -> str:
        return f"Delivery {self.pk} ({self.status})"


class DeliveryTry(models.Model):
    """One HTTP request made for a delivery, written before and after the call."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="try_set")
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.TextField(blank=True)
    message_id = models.CharField(
        "imsx_messageIdentifier", max_length=64, blank=True, help_text="POX requests only."
    )

    class Meta:
        ordering = ["delivery", "started_at"]
        verbose_name_plural = "delivery tries"
