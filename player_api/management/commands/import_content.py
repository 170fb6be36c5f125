"""Import assessments and collections from JSON files (format: docs/content.schema.json).

Example:
    python manage.py import_content player_api/sample_content/*.json

Each file is validated as a whole and every error is printed with its JSON
pointer, such as /content/0/items/3/answer. A file with any error imports
nothing; the other files still import. Importing an id that exists already
updates that content, and attempts already submitted keep their results.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from player_api.content_import import content_file_read, content_import


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="JSON content files.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Validate the files and report errors without importing anything.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        files: list[Path] = options["files"]
        dry_run: bool = options["dry_run"]
        failed: list[Path] = []

        for path in files:
            data, errors = content_file_read(path)
            if errors:
                failed.append(path)
                self.stderr.write(f"{path}: {len(errors)} error(s), nothing imported from it:")
                for error in errors:
                    self.stderr.write(f"  {error}")
                continue

            count = len(data["content"])
            if dry_run:
                self.stdout.write(f"{path}: valid, {count} content item(s); not imported (dry run)")
                continue
            summary = content_import(data)
            message = (
                f"{path}: imported {count} content item(s): "
                f"{len(summary.created)} created, {len(summary.updated)} updated"
            )
            if summary.retired_questions:
                message += (
                    f", {summary.retired_questions} answered question(s) left out and retired"
                )
            self.stdout.write(self.style.SUCCESS(message))

        if failed:
            raise CommandError(
                f"{len(failed)} of {len(files)} file(s) had errors and were not imported: "
                + ", ".join(str(path) for path in failed)
            )
