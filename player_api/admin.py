"""Admin for content, its questions and resources, and a read-only view of attempts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from player_api.content_import import question_item_errors
from player_api.models import Attempt, Content, Question, Resource, Response


class QuestionAdminForm(forms.ModelForm):
    """Question form that applies the rules of the content file format (docs/content.schema.json)."""

    class Meta:
        model = Question
        fields = "__all__"
        help_texts = {
            "choices": 'A list such as [{"id": "a", "text": "6/8"}, {"id": "b", "text": "4/3"}]; '
            "empty for true_false and fill_in_the_blank.",
            "correct_answer": 'single_choice: "a"; multiple_choice: ["a", "c"]; true_false: '
            'true; fill_in_the_blank: [["28", "twenty-eight"]], one list per ___ in the prompt; '
            'ordering: ["c", "a", "b"].',
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        item: dict[str, Any] = {
            "id": str(cleaned.get("id") or self.instance.pk),
            "type": cleaned.get("question_type"),
            "prompt": cleaned.get("prompt", ""),
            "answer": cleaned.get("correct_answer"),
        }
        if cleaned.get("choices"):
            item["choices"] = cleaned["choices"]
        field_of = {"/answer": "correct_answer", "/choices": "choices", "/prompt": "prompt"}
        for error in question_item_errors(item):
            field = next(
                (name for pointer, name in field_of.items() if error.pointer.startswith(pointer)),
                None,
            )
            self.add_error(field, error.message)
        return cleaned


class QuestionInline(admin.StackedInline):
    model = Question
    form = QuestionAdminForm
    extra = 0
    fields = ["position", "question_type", "prompt", "choices", "correct_answer", "hint", "retired"]
    ordering = ["position"]


class ResourceInline(admin.StackedInline):
    model = Resource
    extra = 0
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fields = ["position", "title", "url", "text"]
    ordering = ["position"]


@admin.register(Content)
class ContentAdmin(admin.ModelAdmin):
    list_display = ["title", "content_type", "id", "updated"]
    list_filter = ["content_type"]
    search_fields = ["title", "id"]
    readonly_fields = ["created", "updated"]
    inlines = [QuestionInline, ResourceInline]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    form = QuestionAdminForm
    list_display = ["prompt", "question_type", "content", "position", "retired"]
    list_filter = ["question_type", "retired"]
    search_fields = ["prompt", "id", "content__title"]
    list_select_related = ["content"]
    autocomplete_fields = ["content"]


class ResponseInline(admin.TabularInline):
    model = Response
    extra = 0
    fields = readonly_fields = ("question", "answer", "time_spent_ms", "is_correct", "updated")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    """Read-only attempts: students write them through the player, and operators only read them."""

    list_display = ["id", "content", "user", "status", "score", "submitted_at"]
    list_filter = ["status", "content__content_type"]
    search_fields = ["id", "user__lms_user_id", "user__name", "lis_result_sourcedid"]
    list_select_related = ["content", "user"]
    inlines = [ResponseInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in Attempt._meta.fields] + ["outcome_deliveries"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # The outcomes app owns deliveries; it is imported here, not at the top,
    # so that the player works without it.
    @admin.display(description="outcome deliveries")
    def outcome_deliveries(self, attempt: Attempt) -> str:
        from outcomes.admin import attempt_deliveries_summary

        return attempt_deliveries_summary(attempt)
