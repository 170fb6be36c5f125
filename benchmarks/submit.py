"""Submit to gradebook: the time from a submit call to the sink receiving the outcome.

    python -m benchmarks.submit [--runs 3] [--rate 10,25,50] [--seconds 20] [--worker-processes 2]

A steady open-loop stream of submissions (POST /api/v1/attempts/<id>/submit/,
one per student, with a response to every question) goes to gunicorn at each
`--rate` per second for `--seconds`. The lower rates show where the latency
starts to grow. Each submit commits a delivery, which is put on
Redis on commit; one prefork Celery worker sends it to the local sink. The
latency of one submission is the sink's arrival time minus the moment the
client sent the submit, both read from this machine's clock. The submit
call's own latency, in the same run, is the baseline.
"""

from __future__ import annotations

import argparse
import os
from collections import defaultdict
from typing import Any

from benchmarks import harness, report
from benchmarks.fixtures import (
    Student,
    answer_every_question,
    create_assessment,
    create_consumer,
    create_students,
)
from benchmarks.loadgen import Request, run_paced
from benchmarks.sink_client import SinkClient
from benchmarks.stats import Summary, percentile

DATABASE = harness.database_name("submit")
WARMUP_SUBMISSIONS = 20
WARMUP_RATE = 10.0
# Seconds to wait after the stream for the last outcomes to arrive.
DRAIN_TIMEOUT = 120.0


def submit_requests(base_url: str, students: list[Student]) -> list[Request]:
    return [
        Request(
            "POST",
            f"{base_url}/api/v1/attempts/{student.attempt_id}/submit/",
            b"",
            {"Authorization": f"Bearer {student.token}"},
        )
        for student in students
    ]


def stream(
    base_url: str, students: list[Student], rate: float, sink: SinkClient, worker: harness.Process
) -> dict[str, Any]:
    """Submit every student's attempt at `rate` per second; return the latencies in ms.

    A submit that fails or times out is counted and left out of the latencies,
    so that an overloaded server still gives a result that shows the overload.
    """
    requests = submit_requests(base_url, students)
    sink.reset()
    result = run_paced(requests, rate, {200})
    if result.errors:
        print(f"{result.failed} submits failed, for example: {result.errors[0]}")
    accepted = {reply.url: reply.sent_at for reply in result.replies if reply.status == 200}
    sink.wait_for(len(accepted), DRAIN_TIMEOUT, worker)

    arrivals = {sourcedid: arrival for arrival, sourcedid in sink.records()}
    to_gradebook_ms = [
        1000.0 * (arrivals[student.sourcedid] - accepted[request.url])
        for student, request in zip(students, requests, strict=True)
        if request.url in accepted and student.sourcedid in arrivals
    ]
    sent = [reply.sent_at for reply in result.replies]
    return {
        "submissions": len(students),
        "failed": result.failed,
        "sent_rate": (len(sent) - 1) / (max(sent) - min(sent)),
        "submit_p50_ms": result.latency(0.50),
        "submit_p99_ms": result.latency(0.99),
        "gradebook_p50_ms": percentile(to_gradebook_ms, 0.50),
        "gradebook_p99_ms": percentile(to_gradebook_ms, 0.99),
        "gradebook_max_ms": max(to_gradebook_ms),
    }


def render(results: dict[float, list[dict[str, Any]]], args: argparse.Namespace) -> str:
    rows = []
    columns = [
        ("failed", 0),
        ("sent_rate", 1),
        ("submit_p50_ms", 0),
        ("submit_p99_ms", 0),
        ("gradebook_p50_ms", 0),
        ("gradebook_p99_ms", 0),
        ("gradebook_max_ms", 0),
    ]
    for rate, runs in results.items():
        cells = [Summary.of([run[key] for run in runs]).format(digits) for key, digits in columns]
        rows.append([f"{rate:g}", *cells])
    table = report.markdown_table(
        [
            "target submits/s",
            "failed submits",
            "sent/s",
            "submit p50 ms",
            "submit p99 ms",
            "to gradebook p50 ms",
            "to gradebook p99 ms",
            "to gradebook max ms",
        ],
        rows,
    )
    header = report.run_header(
        args.command,
        args.runs,
        f"{args.seconds} s of submissions per run and rate; gunicorn with {args.workers} sync "
        f"workers; one prefork Celery worker with {args.worker_processes} processes; Redis broker; "
        "PostgreSQL 15 and the sink on the same machine.",
    )
    return f"{header}\n\n{table}\n"


def main(argv: list[str] | None = None) -> None:
    parser = report.argument_parser("benchmarks.submit", __doc__.splitlines()[0])
    parser.add_argument(
        "--rate",
        type=lambda text: [float(item) for item in text.split(",")],
        default=[10.0, 25.0, 50.0],
        help="Comma-separated submissions per second.",
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="Length of one stream.")
    report.add_gunicorn_workers(parser)
    parser.add_argument(
        "--worker-processes", type=int, default=os.cpu_count() or 1, help="Celery worker processes."
    )
    args = report.parse_arguments(parser, argv)

    harness.fresh_database(DATABASE)
    harness.setup_django(DATABASE)
    harness.flush_broker()
    results: dict[float, list[dict[str, Any]]] = defaultdict(list)
    with harness.sink() as sink_url:
        sink = SinkClient(sink_url)
        consumer = create_consumer(f"{sink_url}/outcomes")
        create_assessment()
        batches = [("warm-up", WARMUP_RATE, WARMUP_SUBMISSIONS)] + [
            (f"run {run + 1}", rate, round(rate * args.seconds))
            for rate in args.rate
            for run in range(args.runs)
        ]
        next_number = 0
        students_by_batch = []
        for _, _, count in batches:
            students = create_students(
                consumer, range(next_number, next_number + count), f"{sink_url}/outcomes"
            )
            answer_every_question(students)
            students_by_batch.append(students)
            next_number += count

        with (
            harness.gunicorn(DATABASE, args.workers) as base_url,
            harness.celery_worker(DATABASE, args.worker_processes) as worker,
        ):
            for (label, rate, _), students in zip(batches, students_by_batch, strict=True):
                numbers = stream(base_url, students, rate, sink, worker)
                print(
                    f"{label} at {rate:g}/s: submit p99 {numbers['submit_p99_ms']:.0f} ms, "
                    f"to gradebook p50 {numbers['gradebook_p50_ms']:.0f} ms "
                    f"p99 {numbers['gradebook_p99_ms']:.0f} ms"
                )
                if label != "warm-up":
                    results[rate].append(numbers)

    data = {f"{rate:g}": runs for rate, runs in results.items()}
    report.save_results("submit", render(results, args), data, not args.no_doc)


if __name__ == "__main__":
    main()
