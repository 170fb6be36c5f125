"""The player page at /play/<token>/ and the player API under /api/v1/."""

from __future__ import annotations

from django.urls import URLPattern, path

from player_api import api, views

app_name = "player_api"

# Ids are matched as strings so that a malformed one gets the API's JSON 404.
_ATTEMPT = f"{views.API_BASE_PATH}attempts/<str:attempt_id>/"

urlpatterns: list[URLPattern] = [
    path("play/<str:token>/", views.play, name="play"),
    path(_ATTEMPT, api.AttemptDetailView.as_view(), name="attempt-detail"),
    path(
        f"{_ATTEMPT}responses/<str:question_id>/",
        api.ResponseSaveView.as_view(),
        name="attempt-response",
    ),
    path(f"{_ATTEMPT}reaction/", api.ReactionSetView.as_view(), name="attempt-reaction"),
    path(f"{_ATTEMPT}submit/", api.AttemptSubmitView.as_view(), name="attempt-submit"),
]
