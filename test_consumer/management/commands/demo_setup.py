"""Prepare the demo: two consumers that send scores to the outcome inspector, the sample
content and an admin user. Safe to run again: it updates what exists.

Example:
    DEMO_ADMIN_PASSWORD=change-me python manage.py demo_setup --base-url http://127.0.0.1:8000

The admin password comes from DEMO_ADMIN_PASSWORD when it is set. Otherwise a new
admin user gets a random password, printed once, and an existing one keeps its own.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from launches.models import Consumer, OutcomeFormat

SAMPLE_CONTENT_DIR = Path(settings.BASE_DIR) / "player_api" / "sample_content"
# (key, name, outcome format) of each demo consumer.
DEMO_CONSUMERS = [
    ("demo-json", "Demo LMS (Gooru JSON outcomes)", OutcomeFormat.GOORU_JSON),
    ("demo-pox", "Demo LMS (LTI 1.1 POX outcomes)", OutcomeFormat.LTI_POX),
]
PASSWORD_VARIABLE = "DEMO_ADMIN_PASSWORD"


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="The scheme://host:port the demo is served at, so outcomes go to its inspector.",
        )
        parser.add_argument(
            "--admin-username", default="admin", help="Name of the staff user to create."
        )
        parser.add_argument(
            "--skip-content", action="store_true", help="Do not import the sample content."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would change and change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        base_url = options["base_url"].strip().rstrip("/")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CommandError(
                f"--base-url={base_url!r} is not of the form http://host:port, "
                "for example http://127.0.0.1:8000."
            )
        dry_run: bool = options["dry_run"]

        outcomes_url = base_url + reverse("test_consumer:outcomes")
        for key, name, outcome_format in DEMO_CONSUMERS:
            self._consumer_ensure(key, name, outcome_format, outcomes_url, dry_run)
        if not options["skip_content"]:
            self._content_import(dry_run)
        self._admin_ensure(options["admin_username"], dry_run)

        self.stdout.write(
            self.style.SUCCESS(f"Demo ready: open {base_url}{reverse('test_consumer:launch')}")
        )

    def _consumer_ensure(
        self, key: str, name: str, outcome_format: str, outcomes_url: str, dry_run: bool
    ) -> None:
        consumer = Consumer.objects.filter(key=key).first()
        verb = "Updated" if consumer else "Created"
        if dry_run:
            verb = "Would update" if consumer else "Would create"
            self.stdout.write(f"{verb} consumer {key} ({outcome_format}) -> {outcomes_url}")
            return
        consumer = consumer or Consumer(key=key)
        consumer.name = name
        consumer.outcome_format = outcome_format
        consumer.outcomes_url = outcomes_url
        consumer.active = True
        consumer.save()
        self.stdout.write(f"{verb} consumer {key} ({outcome_format}) -> {outcomes_url}")

    def _content_import(self, dry_run: bool) -> None:
        files = sorted(SAMPLE_CONTENT_DIR.glob("*.json"))
        if not files:
            self.stderr.write(f"No sample content in {SAMPLE_CONTENT_DIR}: nothing imported.")
            return
        arguments = [str(path) for path in files] + (["--dry-run"] if dry_run else [])
        try:
            call_command("import_content", *arguments, stdout=self.stdout, stderr=self.stderr)
        except CommandError as error:
            # One bad file must not stop the rest of the demo set-up.
            self.stderr.write(f"Sample content import failed: {error}")

    def _admin_ensure(self, username: str, dry_run: bool) -> None:
        user = User.objects.filter(username=username).first()
        password = os.environ.get(PASSWORD_VARIABLE, "").strip()
        if dry_run:
            if user is None:
                self.stdout.write(f"Would create the admin user {username}.")
            elif password:
                self.stdout.write(
                    f"Would set the password of the admin user {username} from {PASSWORD_VARIABLE}."
                )
            else:
                self.stdout.write(f"Would keep the admin user {username} and its password.")
            return

        if user is not None and not password:
            user.is_staff = user.is_superuser = user.is_active = True
            user.save(update_fields=["is_staff", "is_superuser", "is_active"])
            self.stdout.write(
                f"Admin user {username} exists; its password is unchanged "
                f"(set {PASSWORD_VARIABLE} to replace it)."
            )
            return

        generated = not password
        password = password or secrets.token_urlsafe(12)
        if user is None:
            User.objects.create_superuser(username, f"{username}@example.org", password)
        else:
            user.is_staff = user.is_superuser = user.is_active = True
            user.set_password(password)
            user.save()
        if generated:
            self.stdout.write(f"Admin user {username} created with password: {password}")
        else:
            self.stdout.write(f"Admin user {username} has the password from {PASSWORD_VARIABLE}.")
