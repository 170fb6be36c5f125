"""Clear the score an LMS holds for an attempt, with LTI 1.1 deleteResult.

Only LTI 1.1 POX consumers offer deleteResult; Gooru JSON consumers do not.
A reply of imsx_codeMajor unsupported is reported and not retried.

Example:
    python manage.py delete_outcome --attempt 8c1d6c5e-0b7e-4f4e-9f57-0a4f1b1a2b3c
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from outcomes.management.attempts import attempt_get
from outcomes.operations import OutcomeNotSupportedError, outcome_delete


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--attempt", required=True, metavar="ID", help="Attempt UUID.")

    def handle(self, *args: Any, **options: Any) -> None:
        attempt = attempt_get(options["attempt"])
        try:
            result = outcome_delete(attempt)
        except OutcomeNotSupportedError as error:
            raise CommandError(str(error)) from None

        delivery = result.delivery
        if result.unsupported:
            raise CommandError(
                f"The LMS does not support deleteResult for attempt {attempt.pk} "
                f"(delivery {delivery.pk}, not retried): {result.error}"
            )
        if not result.delivered:
            raise CommandError(
                f"deleteResult for attempt {attempt.pk} failed (delivery {delivery.pk}): {result.error}"
            )
        self.stdout.write(
            f"Deleted the score for attempt {attempt.pk} (sourcedid {delivery.sourcedid})."
        )
