"""Admin for outcome deliveries: every score's fate, its HTTP tries, resend and cancel."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from launches.models import Consumer
from outcomes.models import Delivery, DeliveryTry
from outcomes.operations import DeliveryActionError, delivery_cancel, delivery_resend
from player_api.models import Attempt


def deliveries_link(filter_field: str, value: object, label: str = "Deliveries") -> SafeString:
    """Return a link to the delivery list filtered on one field, for other admin pages."""
    url = reverse("admin:outcomes_delivery_changelist")
    return format_html('<a href="{}?{}={}">{}</a>', url, filter_field, value, label)


def attempt_deliveries_summary(attempt: Attempt) -> SafeString | str:
    """Return the outcome state of an attempt for its admin page: a link, or why there is none.

    An attempt whose launch carried no lis_result_sourcedid (a preview) is not
    deliverable, and the summary states that.
    """
    newest = Delivery.objects.filter(attempt=attempt).order_by("-pk").first()
    if newest is None:
        if not attempt.lis_result_sourcedid and attempt.is_submitted:
            return "Not deliverable: a preview launch without lis_result_sourcedid."
        return "No deliveries."
    count = Delivery.objects.filter(attempt=attempt).count()
    label = f"{count} delivery(ies), newest {newest.status}"
    return deliveries_link("attempt__id__exact", attempt.pk, label)


def consumer_last_delivery_error(consumer: Consumer) -> str:
    """Return the newest stored error of a consumer's deliveries, with its delivery id."""
    delivery = (
        Delivery.objects.filter(consumer=consumer)
        .exclude(last_error="")
        .order_by("-updated")
        .only("pk", "last_error", "updated")
        .first()
    )
    if delivery is None:
        return "No delivery errors."
    return f"Delivery {delivery.pk} at {delivery.updated:%Y-%m-%d %H:%M} UTC: {delivery.last_error}"


class DeliveryTryInline(admin.TabularInline):
    model = DeliveryTry
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "started_at",
        "duration_ms",
        "status_code",
        "error",
        "response_excerpt",
        "message_id",
    )

    def has_add_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "created",
        "status",
        "consumer",
        "outcome_format",
        "operation",
        "attempt_link",
        "sourcedid",
        "http_tries",
        "next_try_at",
        "last_status_code",
        "last_error_excerpt",
    ]
    list_filter = ["status", "consumer", "outcome_format", "operation", "created"]
    search_fields = [
        "sourcedid",
        "=uuid",
        "=attempt__id",
        "=attempt__user__id",
        "attempt__user__lms_user_id",
        "attempt__user__name",
        "=attempt__content__id",
        "attempt__content__title",
    ]
    date_hierarchy = "created"
    list_select_related = ["consumer", "attempt"]
    inlines = [DeliveryTryInline]
    actions = ["send_again_now", "cancel"]
    fields = readonly_fields = (
        "uuid",
        "status",
        "consumer",
        "attempt_link",
        "operation",
        "outcome_format",
        "target_url",
        "sourcedid",
        "payload",
        "http_tries",
        "tries_since_resend",
        "next_try_at",
        "sending_since",
        "enqueued_at",
        "last_status_code",
        "last_error",
        "delivered_at",
        "confirmed",
        "created",
        "updated",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Delivery]:
        return super().get_queryset(request).annotate(try_count=Count("try_set"))

    @admin.display(description="HTTP tries", ordering="try_count")
    def http_tries(self, delivery: Delivery) -> int:
        """Count the HTTP requests made for the delivery (its DeliveryTry rows), resends included."""
        count = getattr(delivery, "try_count", None)
        return delivery.try_set.count() if count is None else int(count)

    @admin.display(description="tries since the last resend")
    def tries_since_resend(self, delivery: Delivery) -> int:
        """Return the counter that the retry schedule uses, which "Send again now" sets back to 0."""
        return delivery.tries

    def has_delete_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False

    @admin.display(description="attempt", ordering="attempt")
    def attempt_link(self, delivery: Delivery) -> SafeString:
        return deliveries_link("attempt__id__exact", delivery.attempt_id, str(delivery.attempt_id))

    @admin.display(description="last error")
    def last_error_excerpt(self, delivery: Delivery) -> str:
        error = delivery.last_error
        return error if len(error) <= 80 else error[:79] + "…"

    def _act(
        self,
        request: HttpRequest,
        queryset: QuerySet[Delivery],
        action: Callable[[Delivery], Delivery],
        verb: str,
    ) -> None:
        done = 0
        for delivery in queryset.select_related("consumer", "attempt__launch"):
            try:
                action(delivery)
            except DeliveryActionError as error:
                self.message_user(
                    request, f"Delivery {delivery.pk} was not {verb}: {error}.", messages.WARNING
                )
            else:
                done += 1
        if done:
            self.message_user(request, f"{done} delivery(ies) {verb}.", messages.SUCCESS)

    @admin.action(description="Send again now", permissions=["change"])
    def send_again_now(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        self._act(request, queryset, delivery_resend, "queued to send again")

    @admin.action(description="Cancel", permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        self._act(request, queryset, delivery_cancel, "cancelled")
