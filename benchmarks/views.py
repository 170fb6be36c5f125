"""Baseline views: the floor under a launch's cost, measured by the same server.

`empty` costs one Django request. `verify_only` adds what an LTI launch cannot
avoid: parsing the form and checking its OAuth 1.0a HMAC-SHA1 signature with
oauthlib. It touches no database, so the gap between it and the real launch is
the cost of the launch's own work (consumer lookup, nonce, user, launch rows).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauthlib.oauth1 import RequestValidator, SignatureOnlyEndpoint


class _BenchValidator(RequestValidator):
    """Accept the one benchmark consumer.

    NOTE: nonces are not stored, so a replay passes: this view measures the
    signature check alone and is only routed by benchmarks.settings.
    """

    enforce_ssl = False

    @property
    def dummy_client(self) -> str:
        return "dummy-client"

    def check_client_key(self, client_key: str) -> bool:
        return bool(client_key)

    def check_nonce(self, nonce: str) -> bool:
        return bool(nonce)

    def validate_client_key(self, client_key: str, request: Any) -> bool:
        return client_key == settings.BENCH_CONSUMER_KEY

    def validate_timestamp_and_nonce(
        self, client_key: str, timestamp: str, nonce: str, request: Any, **kwargs: Any
    ) -> bool:
        return True

    def get_client_secret(self, client_key: str, request: Any) -> str:
        if client_key == settings.BENCH_CONSUMER_KEY:
            return str(settings.BENCH_CONSUMER_SECRET)
        return "dummy-secret"


_endpoint = SignatureOnlyEndpoint(_BenchValidator())


@csrf_exempt
def empty(request: HttpRequest) -> HttpResponse:
    """Return 204 and do nothing else."""
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def verify_only(request: HttpRequest) -> HttpResponse:
    """Return 204 when the form's OAuth signature is valid, 401 otherwise."""
    valid, _ = _endpoint.validate_request(
        request.build_absolute_uri(),
        http_method="POST",
        body=request.body.decode("utf-8"),
        headers={"Content-Type": request.content_type},
    )
    return HttpResponse(status=204 if valid else 401)
