"""Send outcome deliveries again, by default the failed ones.

Examples:
    python manage.py resend_outcomes --dry-run
    python manage.py resend_outcomes --consumer canvas-prod --since 2026-12-01 --wait
    python manage.py resend_outcomes --delivery 41 42 --wait
    python manage.py resend_outcomes --attempt 8c1d6c5e-0b7e-4f4e-9f57-0a4f1b1a2b3c
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from tqdm import tqdm

from launches.models import Consumer
from outcomes.models import Delivery, DeliveryStatus, Operation
from outcomes.operations import DeliveryActionError, delivery_resend
from outcomes.services import delivery_send
from player_api.models import Attempt, Content


def _moment(value: str, option: str, end_of_day: bool = False) -> datetime:
    """Parse an ISO date or date-time; a bare date means its start, or its end for --until."""
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is None:
            raise CommandError(
                f"{option} {value!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]."
            )
        parsed = datetime.combine(day, time.max if end_of_day else time.min)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_current_timezone())
    return parsed


def _uuids(values: list[str], option: str, noun: str) -> list[uuid.UUID]:
    """Parse UUIDs, or raise CommandError naming every value that is not one."""
    parsed: list[uuid.UUID] = []
    malformed: list[str] = []
    for value in values:
        try:
            parsed.append(uuid.UUID(value))
        except ValueError:
            malformed.append(value)
    if malformed:
        raise CommandError(
            f"{option}: invalid {noun} UUID {', '.join(map(repr, malformed))}. "
            f"Copy the {noun} id from the admin."
        )
    return parsed


def _missing(expected: list[Any], found: QuerySet[Any], option: str, noun: str) -> None:
    """Raise CommandError naming every expected id that the found rows lack."""
    present = {str(value) for value in found.values_list("pk", flat=True)}
    absent = [str(value) for value in dict.fromkeys(expected) if str(value) not in present]
    if absent:
        raise CommandError(
            f"{option}: {noun} not found: {', '.join(absent)}. "
            "Nothing was sent. Check the ids in the admin."
        )


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--delivery", nargs="+", type=int, default=[], metavar="ID",
            help="Delivery ids. Given ids are selected whatever their status, unless --status is set.",
        )
        parser.add_argument(
            "--attempt", nargs="+", default=[], metavar="ID", help="Attempt UUIDs."
        )
        parser.add_argument("--consumer", metavar="KEY", help="Consumer key.")
        parser.add_argument(
            "--status",
            choices=DeliveryStatus.values,
            help="Delivery status to select (default: failed).",
        )
        parser.add_argument(
            "--since", metavar="DATE", help="Deliveries created at or after this ISO date or time (UTC)."
        )
        parser.add_argument(
            "--until", metavar="DATE", help="Deliveries created at or before this ISO date or time (UTC)."
        )
        parser.add_argument("--content", nargs="+", default=[], metavar="ID", help="Content UUIDs.")
        parser.add_argument(
            "--dry-run", action="store_true", help="List the deliveries that would be sent; send nothing."
        )
        parser.add_argument(
            "--wait",
            action="store_true",
            help="Send each delivery once, here and now, with a progress bar and a summary, "
            "instead of queueing it for the workers.",
        )

    def _select(self, options: dict[str, Any]) -> QuerySet[Delivery]:
        """Return the deliveries that the options select. Raise CommandError for any unknown value."""
        deliveries = Delivery.objects.filter(operation=Operation.REPLACE)
        status = options["status"] or (None if options["delivery"] else DeliveryStatus.FAILED)
        if status:
            deliveries = deliveries.filter(status=status)

        if options["delivery"]:
            named = Delivery.objects.filter(pk__in=options["delivery"])
            _missing(options["delivery"], named, "--delivery", "delivery")
            others = named.exclude(operation=Operation.REPLACE)
            if others.exists():
                ids = ", ".join(str(pk) for pk in others.order_by("pk").values_list("pk", flat=True))
                raise CommandError(
                    f"--delivery {ids}: readResult or deleteResult requests, which are never "
                    "sent again. Run read_outcome or delete_outcome instead."
                )
            deliveries = deliveries.filter(pk__in=options["delivery"])

        if options["attempt"]:
            attempt_ids = _uuids(options["attempt"], "--attempt", "attempt")
            _missing(attempt_ids, Attempt.objects.filter(pk__in=attempt_ids), "--attempt", "attempt")
            deliveries = deliveries.filter(attempt_id__in=attempt_ids)

        if options["consumer"]:
            if not Consumer.objects.filter(key=options["consumer"]).exists():
                raise CommandError(
                    f"--consumer {options['consumer']!r}: no consumer has this key. "
                    "The keys are listed in the admin under Consumers."
                )
            deliveries = deliveries.filter(consumer__key=options["consumer"])

        since = _moment(options["since"], "--since") if options["since"] else None
        until = _moment(options["until"], "--until", end_of_day=True) if options["until"] else None
        if since is not None and until is not None and since > until:
            raise CommandError(
                f"--since {options['since']} is after --until {options['until']}: "
                "give the earlier date to --since."
            )
        if since is not None:
            deliveries = deliveries.filter(created__gte=since)
        if until is not None:
            deliveries = deliveries.filter(created__lte=until)

        if options["content"]:
            content_ids = _uuids(options["content"], "--content", "content")
            _missing(content_ids, Content.objects.filter(pk__in=content_ids), "--content", "content")
            deliveries = deliveries.filter(attempt__content_id__in=content_ids)
        return deliveries.select_related("consumer", "attempt__launch").order_by("pk")

    def handle(self, *args: Any, **options: Any) -> None:
        deliveries = list(self._select(options))
        if not deliveries:
            self.stdout.write("No deliveries match.")
            return

        if options["dry_run"]:
            for delivery in deliveries:
                self.stdout.write(
                    f"Would send delivery {delivery.pk}: {delivery.status}, consumer "
                    f"{delivery.consumer.key}, attempt {delivery.attempt_id}, "
                    f"sourcedid {delivery.sourcedid}, {delivery.try_set.count()} HTTP tries, "
                    f"last error: {delivery.last_error or '-'}"
                )
            self.stdout.write(f"{len(deliveries)} deliveries would be sent (dry run).")
            return

        counts: Counter[str] = Counter()
        skipped: list[str] = []
        # tqdm redraws one line with carriage returns, so it writes to the raw stream: the
        # OutputWrapper would end every redraw with a newline. Off a terminal there is no bar.
        progress = tqdm(
            deliveries,
            file=self.stderr._out,
            disable=not options["wait"] or not self.stderr.isatty(),
            unit="delivery",
        )
        for delivery in progress:
            try:
                delivery_resend(delivery, enqueue=not options["wait"])
            except DeliveryActionError as error:
                skipped.append(f"delivery {delivery.pk}: {error}")
                continue
            if not options["wait"]:
                counts["queued"] += 1
                continue
            sent = delivery_send(delivery.pk)
            counts[sent.status if sent is not None else "not claimed"] += 1

        self._summary(counts, skipped)

    def _summary(self, counts: Counter[str], skipped: list[str]) -> None:
        parts = [f"{count} {status}" for status, count in sorted(counts.items())]
        parts.append(f"{len(skipped)} skipped")
        self.stdout.write("Summary: " + ", ".join(parts) + ".")
        if counts.get(DeliveryStatus.PENDING):
            self.stdout.write(
                f"{counts[DeliveryStatus.PENDING]} not delivered yet: a retry is scheduled, "
                "see last_error in the admin."
            )
        for line in skipped:
            self.stdout.write(f"Skipped {line}.")
