"""Register an LMS as a consumer and print its key and secret once.

Example:
    python manage.py create_consumer --name "Canvas Production" \
        --outcomes-url https://lms.example.edu/gooru/outcomes --format lti_pox
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError, transaction

from launches.models import Consumer, OutcomeFormat


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="Name shown to operators, e.g. the LMS.")
        parser.add_argument(
            "--outcomes-url", required=True, help="The http or https URL that receives scores."
        )
        parser.add_argument(
            "--format",
            choices=OutcomeFormat.values,
            default=OutcomeFormat.GOORU_JSON,
            help="Outcome format: gooru_json (default) or lti_pox (LTI 1.1 Basic Outcomes).",
        )
        parser.add_argument("--key", default="", help="Consumer key; generated when omitted.")
        parser.add_argument(
            "--secret",
            default="",
            help="Shared secret, at most 64 characters; generated when omitted.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        consumer = Consumer(
            name=options["name"].strip(),
            key=options["key"].strip(),
            outcomes_url=options["outcomes_url"].strip(),
            outcome_format=options["format"],
        )
        secret = options["secret"].strip()
        if len(secret) > 64:
            raise CommandError("--secret is longer than 64 characters; some LMSs truncate it.")
        if secret:
            consumer.secret = secret

        try:
            consumer.full_clean(exclude=["secret_encrypted"])
        except ValidationError as error:
            raise CommandError(_describe(error)) from None

        try:
            with transaction.atomic():
                consumer.save()
        except IntegrityError:
            raise CommandError(f"A consumer with key {consumer.key!r} already exists.") from None

        self.stdout.write(f"Created consumer {consumer.name!r}.")
        self.stdout.write(f"Consumer key: {consumer.key}")
        self.stdout.write(f"Shared secret: {consumer.secret}")
        self.stdout.write(
            "Enter both in the LMS now. Later, only staff with the change permission can "
            "read the secret, on the consumer's admin page."
        )


def _describe(error: ValidationError) -> str:
    lines: list[str] = []
    for field, messages in error.message_dict.items():
        option = {"outcomes_url": "--outcomes-url"}.get(field, f"--{field.replace('_', '-')}")
        lines.extend(f"{option}: {message}" for message in messages)
    return "Invalid consumer. " + " ".join(lines)
