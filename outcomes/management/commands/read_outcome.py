"""Read the score an LMS holds for an attempt, with LTI 1.1 readResult.

Only LTI 1.1 POX consumers offer readResult; Gooru JSON consumers do not.

Example:
    python manage.py read_outcome --attempt 8c1d6c5e-0b7e-4f4e-9f57-0a4f1b1a2b3c
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from outcomes.management.attempts import attempt_get
from outcomes.operations import OutcomeNotSupportedError, outcome_read


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--attempt", required=True, metavar="ID", help="Attempt UUID.")

    def handle(self, *args: Any, **options: Any) -> None:
        attempt = attempt_get(options["attempt"])
        try:
            result = outcome_read(attempt)
        except OutcomeNotSupportedError as error:
            raise CommandError(str(error)) from None

        delivery = result.delivery
        if not result.delivered:
            raise CommandError(
                f"readResult for attempt {attempt.pk} failed (delivery {delivery.pk}): {result.error}"
            )
        if delivery.confirmed is False:
            raise CommandError(
                f"readResult for attempt {attempt.pk} got no result from the LMS "
                f"(delivery {delivery.pk}): the reply was empty."
            )
        if result.score_text:
            self.stdout.write(
                f"Score for attempt {attempt.pk} (sourcedid {delivery.sourcedid}): {result.score_text}"
            )
        else:
            self.stdout.write(
                f"No score for attempt {attempt.pk} (sourcedid {delivery.sourcedid}): the LMS holds none."
            )
