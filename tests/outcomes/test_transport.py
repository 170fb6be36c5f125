"""The address guard: private targets are rejected before any connection is made."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from launches.models import Consumer
from outcomes.models import DeliveryStatus
from outcomes.services import delivery_create_for_attempt, delivery_send
from outcomes.transport import (
    AddressRejectedError,
    TransportError,
    address_rejection_reason,
    http_post,
)
from tests.outcomes.conftest import AttemptMaker, FakeLms

REJECTED_URLS = [
    "http://127.0.0.1/outcomes",
    "http://10.0.0.1/outcomes",
    "http://100.64.1.1/outcomes",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/outcomes",
    "http://[::ffff:127.0.0.1]/outcomes",
    "http://2130706433/outcomes",
    "http://0x7f000001/outcomes",
    "http://0.0.0.0/outcomes",
    "http://192.168.1.20:8080/outcomes",
    "http://[fd00::1]/outcomes",
    "http://[64:ff9b::a9fe:a9fe]/outcomes",
]


@pytest.fixture
def no_connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Fail the test if any socket connects; the guard must refuse before that."""
    attempts: list[Any] = []

    def refuse_connect(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise AssertionError(f"A connection to {address!r} was attempted.")

    monkeypatch.setattr(socket.socket, "connect", refuse_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse_connect)
    yield attempts


@pytest.mark.parametrize("url", REJECTED_URLS)
def test_http_post_rejects_private_before_connecting(
    url: str, no_connections: list[Any]
) -> None:
    with pytest.raises(AddressRejectedError) as rejected:
        http_post(
            url, b"{}", {}, connect_timeout=1, read_timeout=1, allow_private=False
        )

    assert rejected.value.retryable is False
    assert "Not sending to" in str(rejected.value)
    assert no_connections == []


@pytest.mark.parametrize(
    "address",
    ["169.254.169.254", "fe80::1", "0.0.0.0", "224.0.0.1", "240.0.0.1", "::ffff:169.254.169.254"],
)
def test_address_guard_keeps_link_local_rejected(address: str) -> None:
    assert address_rejection_reason(address, allow_private=True) is not None


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.0.0.1", "100.64.1.1", "172.16.5.4", "192.168.1.1", "::1", "fd00::1"]
)
def test_address_guard_allows_private_when_enabled(address: str) -> None:
    assert address_rejection_reason(address, allow_private=False) is not None
    assert address_rejection_reason(address, allow_private=True) is None


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
def test_address_guard_allows_global_unicast(address: str) -> None:
    assert address_rejection_reason(address, allow_private=False) is None


@pytest.mark.parametrize("url", ["ftp://lms.example.org/x", "http:///nohost", "http://h:99999/x"])
def test_http_post_rejects_invalid_url(url: str, no_connections: list[Any]) -> None:
    with pytest.raises(TransportError) as rejected:
        http_post(url, b"", {}, connect_timeout=1, read_timeout=1, allow_private=False)

    assert rejected.value.retryable is False
    assert no_connections == []


def test_http_post_reaches_loopback_when_allowed(fake_lms: FakeLms) -> None:
    reply = http_post(
        fake_lms.url + "?tool=7",
        b"{}",
        {"Content-Type": "application/json"},
        connect_timeout=1,
        read_timeout=5,
        allow_private=True,
    )

    assert reply.status == 200
    (request,) = fake_lms.requests
    assert request.path == "/outcomes?tool=7"
    assert request.headers["host"] == fake_lms.origin.removeprefix("http://")


def test_http_post_connection_refused_is_retryable() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
    # The port is closed again, so the connection is refused.

    with pytest.raises(TransportError) as failed:
        http_post(
            f"http://127.0.0.1:{port}/x", b"", {}, connect_timeout=1, read_timeout=1, allow_private=True
        )

    assert failed.value.retryable is True
    assert "Connection to 127.0.0.1 failed" in str(failed.value)


@pytest.mark.django_db
def test_send_to_loopback_fails_when_private_not_allowed(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker, settings: Any
) -> None:
    settings.OUTCOMES_ALLOW_PRIVATE_NETWORKS = False
    delivery = delivery_create_for_attempt(submitted_attempt(0.5))
    assert delivery is not None

    delivery_send(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "127.0.0.1 is a loopback" in delivery.last_error
    assert "OUTCOMES_ALLOW_PRIVATE_NETWORKS" in delivery.last_error
    assert fake_lms.requests == []
    (try_row,) = delivery.try_set.all()
    assert try_row.status_code is None
    assert "Not sending to 127.0.0.1" in try_row.error
