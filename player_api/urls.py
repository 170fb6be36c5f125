"""The player page at /play/<token>/ and the player API under /api/v1/."""

from __future__ import annotations

from django.urls import URLPattern, path

from player_api import views

app_name = "player_api"

urlpatterns: list[URLPattern] = [
    path("play/<str:token>/", views.play, name="play"),
]
