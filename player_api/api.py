"""The player REST API: one view per operation, each fetch, guard, validate, act, respond."""

from __future__ import annotations

import uuid
from typing import NoReturn

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from player_api.authentication import (
    PlayerPrincipal,
    PlayerSessionAuthentication,
    PlayerTokenAuthentication,
)
from player_api.errors import QuestionNotFound
from player_api.selectors import attempt_detail, attempt_get_for
from player_api.serializers import (
    AttemptOutput,
    ReactionInput,
    ResponseInput,
    ResponseOutput,
    ResultOutput,
)
from player_api.services import attempt_submit, reaction_set, response_save

_ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "fields": {"type": "object"},
    },
    "required": ["code", "message"],
}


def _errors(*statuses: int) -> dict[int, OpenApiResponse]:
    descriptions = {
        400: "The body has the wrong shape; the message says what is expected.",
        401: "No player token or session, or the token expired: launch again from the LMS.",
        404: "No such attempt for this user, or no such question in it.",
        409: "The attempt was already submitted.",
    }
    return {
        status: OpenApiResponse(response=_ERROR_SCHEMA, description=descriptions[status])
        for status in statuses
    }


class PlayerAPIView(APIView):
    authentication_classes = [PlayerTokenAuthentication, PlayerSessionAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    def permission_denied(
        self, request: Request, message: str | None = None, code: str | None = None
    ) -> NoReturn:
        if not request.successful_authenticator:
            raise exceptions.NotAuthenticated(
                "No player token was sent. Open the activity from your LMS to play it."
            )
        super().permission_denied(request, message, code)


def _principal(request: Request) -> PlayerPrincipal:
    """Return the users the authenticated request acts for."""
    principal = request.user
    if not isinstance(principal, PlayerPrincipal):
        raise exceptions.NotAuthenticated()
    return principal


class AttemptDetailView(PlayerAPIView):
    @extend_schema(
        operation_id="attempt_retrieve",
        summary="Fetch an attempt with its questions, responses and result",
        responses={200: AttemptOutput, **_errors(401, 404)},
    )
    def get(self, request: Request, attempt_id: str) -> Response:
        attempt = attempt_get_for(_principal(request), attempt_id)

        return Response(AttemptOutput(attempt_detail(attempt)).data)


class ResponseSaveView(PlayerAPIView):
    @extend_schema(
        operation_id="attempt_response_save",
        summary="Save or replace the answer to one question",
        request=ResponseInput,
        responses={200: ResponseOutput, **_errors(400, 401, 404, 409)},
    )
    def put(self, request: Request, attempt_id: str, question_id: str) -> Response:
        attempt = attempt_get_for(_principal(request), attempt_id)
        try:
            question_pk = uuid.UUID(question_id)
        except ValueError:
            raise QuestionNotFound(f"Question {question_id} is not part of this attempt.") from None
        payload = ResponseInput(data=request.data)
        payload.is_valid(raise_exception=True)

        response = response_save(
            attempt,
            question_pk,
            payload.validated_data["answer"],
            payload.validated_data["time_spent_ms"],
        )

        output = {
            "question_id": response.question_id,
            "answer": response.answer,
            "time_spent_ms": response.time_spent_ms,
            "is_correct": None,
        }
        return Response(ResponseOutput(output).data)


class ReactionSetView(PlayerAPIView):
    @extend_schema(
        operation_id="attempt_reaction_set",
        summary="Set the student's reaction, 0 for none or 1 to 5",
        request=ReactionInput,
        responses={200: ReactionInput, **_errors(400, 401, 404, 409)},
    )
    def put(self, request: Request, attempt_id: str) -> Response:
        attempt = attempt_get_for(_principal(request), attempt_id)
        payload = ReactionInput(data=request.data)
        payload.is_valid(raise_exception=True)

        attempt = reaction_set(attempt, payload.validated_data["reaction"])

        return Response(ReactionInput({"reaction": attempt.reaction}).data)


class AttemptSubmitView(PlayerAPIView):
    @extend_schema(
        operation_id="attempt_submit",
        summary="Submit the attempt; the server computes the result",
        description="Submitting again returns the stored result and sends nothing new.",
        request=None,
        responses={200: ResultOutput, **_errors(401, 404)},
    )
    def post(self, request: Request, attempt_id: str) -> Response:
        attempt = attempt_get_for(_principal(request), attempt_id)

        attempt = attempt_submit(attempt)

        return Response(ResultOutput(attempt).data)
