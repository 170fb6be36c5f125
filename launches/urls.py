"""URLs under /lti/: the launch endpoints and the configuration XML."""

from __future__ import annotations

from django.urls import URLPattern, path

from launches import views

app_name = "launches"
urlpatterns: list[URLPattern] = [
    path("launch/", views.launch, name="launch"),
    path("launch/<str:content_type>/<str:content_id>/", views.launch, name="launch_content"),
    path("config.xml", views.config_xml, name="config_xml"),
]
