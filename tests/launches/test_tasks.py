"""The periodic purge of nonces too old to be replayed."""

from __future__ import annotations

import pytest
import time_machine
from django.test import override_settings

from launches.models import Consumer, Nonce
from launches.tasks import purge_expired_nonces

pytestmark = pytest.mark.django_db

NOW = 1700000000


def test_purge_expired_nonces_keeps_replayable(consumer: Consumer) -> None:
    for value, timestamp in [
        ("old", NOW - 301),
        ("edge", NOW - 300),
        ("recent", NOW - 10),
        ("future", NOW + 200),
    ]:
        Nonce.objects.create(consumer=consumer, value=value, timestamp=timestamp)

    with time_machine.travel(NOW, tick=False):
        deleted = purge_expired_nonces.apply().get()

    assert deleted == 1
    assert set(Nonce.objects.values_list("value", flat=True)) == {"edge", "recent", "future"}


@override_settings(LTI_TIMESTAMP_WINDOW=60)
def test_purge_expired_nonces_reads_window(consumer: Consumer) -> None:
    Nonce.objects.create(consumer=consumer, value="two-minutes", timestamp=NOW - 120)

    with time_machine.travel(NOW, tick=False):
        assert purge_expired_nonces() == 1

    assert not Nonce.objects.exists()
