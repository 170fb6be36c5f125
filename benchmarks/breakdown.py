"""Time split of one operation: SQL statements, time in the database driver, the rest.

    python -m benchmarks.breakdown [--count 200]

Each operation runs `--count` times in this process, through Django's test
client for the views and through the service for a delivery, so that no
HTTP server, load client or worker process shares the measurement. Every SQL
statement goes through a connection.execute_wrapper that counts it and times
the call, round trip to PostgreSQL included. COMMIT of an atomic block does
not go through execute(), so its time counts under "other".
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks import harness, report
from benchmarks.delivery import copy_deliveries, template_delivery
from benchmarks.fixtures import (
    answer_every_question,
    create_assessment,
    create_consumer,
    create_students,
    launch_target,
    question_ids,
)
from benchmarks.lti import FORM_CONTENT_TYPE, signed_launch

DATABASE = harness.database_name("breakdown")
TABLE_PATTERN = re.compile(r'(?:FROM|INTO|UPDATE)\s+"(\w+)"')
HOST = "127.0.0.1"


class QueryTimer:
    """A connection.execute_wrapper that counts statements and sums their time.

    While `recording` is on, it also keeps a short label of each statement.
    """

    def __init__(self) -> None:
        self.statements = 0
        self.seconds = 0.0
        self.recording = False
        self.labels: list[str] = []

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        if self.recording:
            self.labels.append(statement_label(sql))
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.statements += 1


def statement_label(sql: str) -> str:
    """Shorten a statement to its verb and first table, such as "SELECT launches_nonce"."""
    verb = sql.split(None, 1)[0].upper()
    table = TABLE_PATTERN.search(sql)
    if verb in {"SAVEPOINT", "RELEASE"} or table is None:
        return verb
    return f"{verb} {table.group(1)}"


def collapse(labels: list[str]) -> str:
    """Join labels in order, writing a run of the same label once with ×N."""
    runs: list[list[Any]] = []
    for label in labels:
        if runs and runs[-1][0] == label:
            runs[-1][1] += 1
        else:
            runs.append([label, 1])
    return ", ".join(label if count == 1 else f"{label} ×{count}" for label, count in runs)


@dataclass(frozen=True)
class Breakdown:
    operation: str
    count: int
    total_ms: float
    database_ms: float
    statements: int
    first_statements: str

    def row(self) -> list[object]:
        per = self.count
        return [
            self.operation,
            f"{self.total_ms / per:.2f}",
            f"{self.statements / per:.1f}",
            f"{self.database_ms / per:.2f}",
            f"{(self.total_ms - self.database_ms) / per:.2f}",
            self.first_statements or "none",
        ]


def measure(operation: str, calls: Sequence[Callable[[], object]]) -> Breakdown:
    """Run each call once with the query timer installed and return the totals."""
    from django.db import connection

    timer = QueryTimer()
    with connection.execute_wrapper(timer):
        start = time.perf_counter()
        for index, call in enumerate(calls):
            timer.recording = index == len(calls) - 1
            call()
        total = time.perf_counter() - start
    return Breakdown(
        operation,
        len(calls),
        total * 1000,
        timer.seconds * 1000,
        timer.statements,
        collapse(timer.labels),
    )


def _expect(status: int, response: Any) -> None:
    if response.status_code != status:
        raise RuntimeError(f"Expected HTTP {status}, got {response.status_code}: {response}")


def view_calls(
    client: Any, students: list[Any], launches_from: int, count: int
) -> dict[str, list[Callable[[], object]]]:
    """Build the calls of every view operation, each with its own data."""
    launch_url = f"http://{HOST}/lti/launch/"
    verify_url = f"http://{HOST}/bench/verify-only/"
    target = launch_target("http://127.0.0.1:9/outcomes")
    questions = question_ids()

    def post_form(path: str, body: bytes, status: int) -> Callable[[], object]:
        return lambda: _expect(status, client.post(path, body, content_type=FORM_CONTENT_TYPE))

    def save(student: Any, index: int) -> Callable[[], object]:
        path = (
            f"/api/v1/attempts/{student.attempt_id}/responses/{questions[index % len(questions)]}/"
        )
        body = json.dumps({"answer": "a", "time_spent_ms": 1000 + index})
        auth = f"Bearer {student.token}"
        return lambda: _expect(
            200, client.put(path, body, content_type="application/json", HTTP_AUTHORIZATION=auth)
        )

    def submit(student: Any) -> Callable[[], object]:
        path = f"/api/v1/attempts/{student.attempt_id}/submit/"
        auth = f"Bearer {student.token}"
        return lambda: _expect(200, client.post(path, HTTP_AUTHORIZATION=auth))

    return {
        "empty view": [lambda: _expect(204, client.post("/bench/empty/")) for _ in range(count)],
        "verify-only view": [
            post_form("/bench/verify-only/", signed_launch(verify_url, target, number), 204)
            for number in range(launches_from, launches_from + count)
        ],
        "launch": [
            post_form("/lti/launch/", signed_launch(launch_url, target, number), 303)
            for number in range(launches_from + count, launches_from + 2 * count)
        ],
        "response save": [save(students[index % len(students)], index) for index in range(count)],
        "submit": [submit(student) for student in students[:count]],
    }


def main(argv: list[str] | None = None) -> None:
    parser = report.argument_parser("benchmarks.breakdown", __doc__.splitlines()[0], runs=1)
    parser.add_argument("--count", type=int, default=200, help="Operations of each kind.")
    args = report.parse_arguments(parser, argv)

    harness.fresh_database(DATABASE)
    harness.setup_django(DATABASE)
    harness.flush_broker()
    from django.test import Client

    from outcomes.services import delivery_send

    results = []
    with harness.sink() as sink_url:
        consumer = create_consumer(f"{sink_url}/outcomes")
        create_assessment()
        students = create_students(consumer, range(1, args.count + 1), f"{sink_url}/outcomes")
        submitters = create_students(
            consumer, range(args.count + 1, 2 * args.count + 1), f"{sink_url}/outcomes"
        )
        # Every question already has a response, so saves replace one, as in benchmarks.player.
        answer_every_question(students)
        answer_every_question(submitters)
        client = Client(HTTP_HOST=HOST)
        calls = view_calls(client, students, 10 * args.count, args.count)
        calls["submit"] = view_calls(client, submitters, 20 * args.count, args.count)["submit"]
        for operation, operation_calls in calls.items():
            results.append(measure(operation, operation_calls))
        harness.flush_broker()

        template = template_delivery(consumer, "gooru_json", 0)
        ids = copy_deliveries(template, args.count)
        results.append(
            measure("delivery send (JSON)", [lambda pk=pk: delivery_send(pk) for pk in ids])
        )

    table = report.markdown_table(
        [
            "operation",
            "ms each",
            "SQL statements each",
            "ms in the database driver",
            "ms other",
            "statements of the last one",
        ],
        [result.row() for result in results],
    )
    header = report.run_header(
        args.command,
        1,
        f"{args.count} operations of each kind in one process, through Django's test client "
        "(no HTTP server) or the delivery service; PostgreSQL 15 on the same machine.",
    )
    data = {result.operation: result.__dict__ for result in results}
    report.save_results("breakdown", f"{header}\n\n{table}\n", data, not args.no_doc)


if __name__ == "__main__":
    main()
