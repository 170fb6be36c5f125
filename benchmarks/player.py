"""Player API throughput: responses saved per second by concurrent students.

    python -m benchmarks.player [--runs 3] [--students 32] [--saves 40]

Each student has their own attempt and Bearer token and saves `--saves`
answers one after another (PUT /api/v1/attempts/<id>/responses/<question>/),
cycling through the assessment's questions and changing the answer each time,
as a student who moves back and forth would. The baseline, in the same run
and server, is the empty view at the same concurrency.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict

from benchmarks import harness, report
from benchmarks.fixtures import (
    Student,
    create_assessment,
    create_consumer,
    create_students,
    question_ids,
)
from benchmarks.loadgen import LoadResult, Request, run_closed_loop
from benchmarks.stats import Summary, ratio

DATABASE = harness.database_name("player")


def save_requests(base_url: str, students: list[Student], saves: int) -> list[list[Request]]:
    """Build each student's sequence of response saves."""
    questions = question_ids()
    sequences = []
    for student in students:
        headers = {"Authorization": f"Bearer {student.token}", "Content-Type": "application/json"}
        sequence = []
        for index in range(saves):
            question = questions[index % len(questions)]
            body = {
                "answer": "a" if (index // len(questions)) % 2 else "b",
                "time_spent_ms": 1000 + index,
            }
            url = f"{base_url}/api/v1/attempts/{student.attempt_id}/responses/{question}/"
            sequence.append(Request("PUT", url, json.dumps(body).encode(), headers))
        sequences.append(sequence)
    return sequences


def empty_requests(base_url: str, clients: int, saves: int) -> list[list[Request]]:
    return [[Request("POST", f"{base_url}/bench/empty/")] * saves for _ in range(clients)]


def render(results: dict[str, list[LoadResult]], args: argparse.Namespace) -> str:
    baseline = Summary.of([r.per_second for r in results["empty"]])
    rows = []
    for name, label in (("save", "response save"), ("empty", "empty view")):
        runs = results[name]
        throughput = Summary.of([r.per_second for r in runs])
        rows.append(
            [
                label,
                throughput.format(0),
                Summary.of([r.latency(0.50) for r in runs]).format(1),
                Summary.of([r.latency(0.95) for r in runs]).format(1),
                Summary.of([r.latency(0.99) for r in runs]).format(1),
                ratio(throughput.median, baseline.median),
            ]
        )
    table = report.markdown_table(
        ["endpoint", "requests/s", "p50 ms", "p95 ms", "p99 ms", "÷ empty"], rows
    )
    header = report.run_header(
        args.command,
        args.runs,
        f"{args.students} concurrent students, each with their own attempt, {args.saves} saves "
        f"each per run; gunicorn with {args.workers} sync workers; PostgreSQL 15.",
    )
    return f"{header}\n\n{table}\n"


def main(argv: list[str] | None = None) -> None:
    parser = report.argument_parser("benchmarks.player", __doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=32, help="Concurrent students.")
    parser.add_argument("--saves", type=int, default=40, help="Response saves per student and run.")
    report.add_gunicorn_workers(parser)
    args = report.parse_arguments(parser, argv)

    harness.fresh_database(DATABASE)
    harness.setup_django(DATABASE)
    consumer = create_consumer("http://127.0.0.1:9/outcomes")
    create_assessment()
    students = create_students(consumer, range(args.students), "http://127.0.0.1:9/outcomes")

    results: dict[str, list[LoadResult]] = defaultdict(list)
    with harness.gunicorn(DATABASE, args.workers) as base_url:
        run_closed_loop(save_requests(base_url, students, 5), {200})
        for run in range(args.runs):
            measurements = [
                ("save", save_requests(base_url, students, args.saves), {200}),
                ("empty", empty_requests(base_url, args.students, args.saves), {204}),
            ]
            if run % 2:
                measurements.reverse()
            for name, sequences, accept in measurements:
                result = run_closed_loop(sequences, accept)
                if result.failed:
                    raise RuntimeError(f"{name}: {result.failed} requests failed: {result.errors}")
                results[name].append(result)
                print(
                    f"run {run + 1} {name}: {result.per_second:.0f}/s "
                    f"p95 {result.latency(0.95):.1f} ms"
                )

    data = {
        name: [
            {
                "per_second": r.per_second,
                "p50_ms": r.latency(0.5),
                "p95_ms": r.latency(0.95),
                "p99_ms": r.latency(0.99),
            }
            for r in runs
        ]
        for name, runs in results.items()
    }
    report.save_results("player", render(results, args), data, not args.no_doc)


if __name__ == "__main__":
    main()
