"""Admin for what the outcome inspector received and the gradebook it keeps."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from test_consumer.models import FailurePlan, GradebookEntry, InspectedRequest


@admin.register(InspectedRequest)
class InspectedRequestAdmin(admin.ModelAdmin):
    list_display = [
        "received_at",
        "consumer_key",
        "request_format",
        "operation",
        "sourcedid",
        "score",
        "signature_valid",
        "body_hash_valid",
        "verdict",
        "status_code",
    ]
    list_filter = ["verdict", "request_format", "signature_valid", "consumer"]
    search_fields = ["sourcedid", "consumer_key", "delivery_id"]
    date_hierarchy = "received_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(GradebookEntry)
class GradebookEntryAdmin(admin.ModelAdmin):
    list_display = ["sourcedid", "consumer", "score", "updated"]
    list_filter = ["consumer"]
    search_fields = ["sourcedid"]


@admin.register(FailurePlan)
class FailurePlanAdmin(admin.ModelAdmin):
    list_display = ["__str__", "remaining", "mode", "updated"]
