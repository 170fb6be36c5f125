"""Celery tasks for outcomes: thin adapters that take ids and call the services."""

from __future__ import annotations

from celery import shared_task

from outcomes import services


@shared_task(name="outcomes.tasks.deliver_outcome")
def deliver_outcome(delivery_id: int) -> str | None:
    """Send one delivery if it is due and unclaimed; return its status afterwards.

    Safe to run twice: a second run finds the row claimed or final and does nothing.
    """
    delivery = services.delivery_send(delivery_id)
    return delivery.status if delivery is not None else None


@shared_task(name="outcomes.tasks.sweep_deliveries")
def sweep_deliveries() -> int:
    """Enqueue deliveries that are due for a retry or stuck after a worker died."""
    return services.deliveries_sweep()
