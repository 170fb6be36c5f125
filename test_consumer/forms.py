"""Forms of the test consumer page and the outcome inspector page."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms

from launches.models import Consumer
from player_api.models import Content
from test_consumer.launch import LaunchChoice
from test_consumer.models import FailureMode

ROLE_CHOICES = [("Learner", "Learner"), ("Instructor", "Instructor")]


class LaunchForm(forms.Form):
    consumer = forms.ModelChoiceField(
        queryset=Consumer.objects.filter(active=True), help_text="Signs with its key and secret."
    )
    content = forms.ModelChoiceField(queryset=Content.objects.all())
    role = forms.ChoiceField(
        choices=ROLE_CHOICES,
        initial="Learner",
        help_text="A learner gets a gradebook cell (lis_result_sourcedid); an instructor does not.",
    )
    user_id = forms.CharField(max_length=255, initial="student-1", label="User id")
    user_name = forms.CharField(max_length=255, required=False, initial="Sam Student")
    context_id = forms.CharField(max_length=255, initial="course-101", label="Context id")
    context_title = forms.CharField(max_length=255, required=False, initial="Grade 7 Maths")
    resource_link_id = forms.CharField(max_length=255, initial="link-1", label="Resource link id")
    class_id = forms.UUIDField(required=False, label="Class id")
    course_id = forms.UUIDField(required=False, label="Course id")
    unit_id = forms.UUIDField(required=False, label="Unit id")
    lesson_id = forms.UUIDField(required=False, label="Lesson id")
    # A CharField, because URLField rejects single-label hosts such as a test server's.
    launch_url = forms.CharField(
        label="Launch URL",
        max_length=2000,
        widget=forms.TextInput(attrs={"size": 60}),
        help_text=(
            "Where the browser posts the launch. Another host name for this server "
            "(127.0.0.1 in place of localhost) makes the tool a third-party frame."
        ),
    )

    def clean_launch_url(self) -> str:
        url = self.cleaned_data["launch_url"].strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise forms.ValidationError(
                "Enter an absolute http or https URL, such as https://lti.example.org/lti/launch/."
            )
        return url

    def choice(self) -> LaunchChoice:
        data = self.cleaned_data
        return LaunchChoice(
            consumer=data["consumer"],
            content=data["content"],
            role=data["role"],
            user_id=data["user_id"],
            user_name=data["user_name"],
            context_id=data["context_id"],
            context_title=data["context_title"],
            resource_link_id=data["resource_link_id"],
            class_id=data["class_id"],
            course_id=data["course_id"],
            unit_id=data["unit_id"],
            lesson_id=data["lesson_id"],
        )


class FailurePlanForm(forms.Form):
    count = forms.IntegerField(
        min_value=0, max_value=1000, initial=3, help_text="0 stops planned failures."
    )
    mode = forms.ChoiceField(choices=FailureMode.choices)
