from __future__ import annotations

from django.urls import URLPattern, path

from test_consumer import views

app_name = "test_consumer"
urlpatterns: list[URLPattern] = [
    path("", views.launch_page, name="launch"),
    path("return/", views.launch_return, name="return"),
    path("outcomes/", views.outcomes_endpoint, name="outcomes"),
    path("inspector/", views.inspector_page, name="inspector"),
    path("inspector/failures/", views.failure_plan_update, name="failure_plan"),
]
