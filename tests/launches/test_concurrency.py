"""One launch posted twice at the same moment: the nonce constraint lets exactly one through."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.http import HttpResponse
from django.test import Client

from launches.models import Launch, LtiUser, Nonce
from tests.factories import ConsumerFactory, ContentFactory
from tests.launches.signing import Params, fresh_nonce, p0, post_launch, sign


def post_at_once(params: Params, copies: int) -> list[HttpResponse]:
    """POST the same launch from several threads released together."""
    barrier = threading.Barrier(copies)
    responses: list[HttpResponse] = []
    errors: list[BaseException] = []

    def post() -> None:
        try:
            barrier.wait(timeout=30)
            responses.append(post_launch(Client(), params))
        except BaseException as error:  # noqa: BLE001 (re-raised in the test thread)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return responses


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("clock")
def test_launch_posted_concurrently_succeeds_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite serialises all writes, so two launches cannot race; "
            "this test needs DATABASE_URL=postgres://..."
        )
    ConsumerFactory(key="test-key", secret="test-secret")
    content = ContentFactory()
    params = sign(
        p0(
            oauth_nonce=fresh_nonce(),
            custom_content_id=str(content.pk),
            custom_content_type=content.content_type,
        )
    )

    responses = post_at_once(params, copies=2)

    assert sorted(response.status_code for response in responses) == [303, 403]
    rejected = next(response for response in responses if response.status_code == 403)
    assert b"This launch link was already used" in rejected.content
    assert Launch.objects.count() == 1
    assert LtiUser.objects.count() == 1
    assert Nonce.objects.count() == 1
