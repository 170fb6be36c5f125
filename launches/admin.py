"""Admin for consumers: operators register LMSs, rotate secrets and read them back."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from launches.models import SECRET_MAX_LENGTH, Consumer, Launch, LtiUser


def _https_url_formfield(db_field: models.Field, **kwargs: Any) -> forms.Field | None:
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class ConsumerAdminForm(forms.ModelForm):
    secret = forms.CharField(
        required=False,
        max_length=SECRET_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 70}),
        help_text=(
            "The shared secret the LMS signs launches with. Left blank on a new consumer, "
            f"one is generated. At most {SECRET_MAX_LENGTH} characters, because some LMSs "
            "truncate longer ones."
        ),
    )

    class Meta:
        model = Consumer
        fields = "__all__"
        formfield_callback = _https_url_formfield

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and "secret" in self.fields:
            self.fields["secret"].initial = self.instance.secret

    def clean_key(self) -> str:
        return (self.cleaned_data.get("key") or "").strip()

    @sensitive_variables("secret")
    def save(self, commit: bool = True) -> Consumer:
        secret = (self.cleaned_data.get("secret") or "").strip()
        if secret:
            self.instance.secret = secret
        return super().save(commit=commit)


@admin.register(Consumer)
class ConsumerAdmin(admin.ModelAdmin):
    form = ConsumerAdminForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "key", "outcome_format", "outcomes_url", "active", "updated"]
    list_filter = ["active", "outcome_format", "pox_target"]
    search_fields = ["name", "key", "outcomes_url", "notes"]
    readonly_fields = ["created", "updated", "outcome_deliveries", "last_delivery_error"]
    actions = ["rotate_secret"]

    def get_fields(self, request: HttpRequest, obj: Consumer | None = None) -> tuple[str, ...]:
        fields = [
            "name",
            "key",
            "secret",
            "outcomes_url",
            "outcome_format",
            "pox_target",
            "allowed_outcome_hosts",
            "lms_origin",
            "debug_launches",
            "active",
            "notes",
            "created",
            "updated",
        ]
        if obj is not None:
            fields += ["outcome_deliveries", "last_delivery_error"]
        if not self.has_change_permission(request, obj) and obj is not None:
            fields.remove("secret")
        return tuple(fields)

    # The outcomes app owns deliveries; it is imported here, not at the top,
    # so that launches works without it.
    @admin.display(description="outcome deliveries")
    def outcome_deliveries(self, consumer: Consumer) -> str:
        from outcomes.admin import deliveries_link

        return deliveries_link("consumer__id__exact", consumer.pk)

    @admin.display(description="last delivery error")
    def last_delivery_error(self, consumer: Consumer) -> str:
        from outcomes.admin import consumer_last_delivery_error

        return consumer_last_delivery_error(consumer)

    @admin.action(description="Rotate secret of selected consumers", permissions=["change"])
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Consumer]) -> None:
        count = 0
        for consumer in queryset:
            consumer.rotate_secret()
            count += 1
        self.message_user(
            request,
            f"Rotated the secret of {count} consumer(s). Open each one to read the new "
            "secret and enter it in the LMS.",
            messages.SUCCESS,
        )


@admin.register(LtiUser)
class LtiUserAdmin(admin.ModelAdmin):
    list_display = ["id", "lms_user_id", "name", "email", "consumer", "created"]
    list_filter = ["consumer"]
    search_fields = ["=id", "lms_user_id", "name", "email"]
    readonly_fields = ["id", "consumer", "lms_user_id", "created", "updated"]


@admin.register(Launch)
class LaunchAdmin(admin.ModelAdmin):
    list_display = ["created", "consumer", "user", "resource_link_id", "content_type", "is_student"]
    list_filter = ["consumer", "content_type", "is_student"]
    search_fields = ["=id", "resource_link_id", "context_id", "lis_result_sourcedid", "user__lms_user_id"]
    date_hierarchy = "created"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Launch | None = None) -> bool:
        return False
