"""Delivery throughput: N pending deliveries drained by Celery workers into a local sink.

    python -m benchmarks.delivery [--runs 3] [--deliveries 600] [--processes 1,2]

For each outcome format, each run measures:

- the baseline: this process POSTs the same N payloads to the sink in a loop
  over one requests.Session, with nothing else (no claim, signature or rows);
- the service: the N deliveries are reset to pending, N deliver_outcome tasks
  are put on Redis, and one prefork Celery worker with 1, then 2, processes
  drains them. The rate is (N - 1) divided by the time from the first to the
  last arrival at the sink, so worker start-up is not counted.

The deliveries are copies of one made by the real submit path
(player_api.services.attempt_submit), each with its own sourcedid.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from typing import TYPE_CHECKING

import requests

from benchmarks import harness, report
from benchmarks.fixtures import (
    answer_every_question,
    create_assessment,
    create_consumer,
    create_students,
)
from benchmarks.sink_client import SinkClient
from benchmarks.sql import analyze, clone_rows
from benchmarks.stats import Summary, ratio

if TYPE_CHECKING:
    from launches.models import Consumer

DATABASE = harness.database_name("delivery")
FORMATS = ("gooru_json", "lti_pox")
CONTENT_TYPES = {"gooru_json": "application/json", "lti_pox": "application/xml"}
BASELINE_TIMEOUT_SECONDS = 10.0


def template_delivery(consumer: Consumer, outcome_format: str, number: int) -> int:
    """Submit one attempt through the real service and return the id of its delivery."""
    from outcomes.models import Delivery, DeliveryStatus
    from player_api.models import Attempt
    from player_api.services import attempt_submit

    consumer.outcome_format = outcome_format
    consumer.save(update_fields=["outcome_format"])
    student = create_students(consumer, [number], consumer.outcomes_url)[0]
    answer_every_question([student])
    attempt_submit(Attempt.objects.get(pk=student.attempt_id))
    delivery = Delivery.objects.get(attempt_id=student.attempt_id)
    # The template itself is never sent; only its copies are.
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.CANCELLED)
    return int(delivery.pk)


def copy_deliveries(template_id: int, count: int) -> list[int]:
    """Replace all other deliveries with `count` pending copies of the template; return ids."""
    from outcomes.models import Delivery, DeliveryTry

    DeliveryTry.objects.all().delete()
    Delivery.objects.exclude(status="cancelled").delete()
    clone_rows(
        "outcomes_delivery",
        template_id,
        1,
        count,
        {
            "uuid": "gen_random_uuid()",
            "sourcedid": "'bench-sd-' || g",
            "payload": "replace(t.payload, t.sourcedid, 'bench-sd-' || g)",
            "status": "'pending'",
            "next_try_at": "now()",
            "enqueued_at": "now()",
            "created": "now()",
            "updated": "now()",
        },
    )
    analyze("outcomes_delivery")
    return list(
        Delivery.objects.filter(status="pending").order_by("pk").values_list("pk", flat=True)
    )


def reset_deliveries(ids: list[int]) -> None:
    """Put the copies back to pending and due, as if just submitted."""
    from django.utils import timezone

    from outcomes.models import Delivery, DeliveryTry

    now = timezone.now()
    DeliveryTry.objects.filter(delivery_id__in=ids).delete()
    Delivery.objects.filter(pk__in=ids).update(
        status="pending",
        tries=0,
        next_try_at=now,
        enqueued_at=now,
        sending_since=None,
        claim_id=None,
        delivered_at=None,
        confirmed=None,
        last_status_code=None,
        last_error="",
    )


def measure_baseline(
    ids: list[int], outcome_format: str, target_url: str, sink: SinkClient
) -> float:
    """POST the payloads in a loop over one requests.Session; return posts per second."""
    from outcomes.models import Delivery

    payloads = [
        payload.encode("utf-8")
        for payload in Delivery.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list("payload", flat=True)
    ]
    headers = {"Content-Type": CONTENT_TYPES[outcome_format]}
    sink.reset()
    with requests.Session() as session:
        start = time.perf_counter()
        for payload in payloads:
            reply = session.post(
                target_url, data=payload, headers=headers, timeout=BASELINE_TIMEOUT_SECONDS
            )
            reply.raise_for_status()
        elapsed = time.perf_counter() - start
    return len(payloads) / elapsed


def measure_workers(ids: list[int], processes: int, sink: SinkClient) -> float:
    """Drain the deliveries with a worker of `processes` processes; return deliveries/s."""
    from outcomes.models import Delivery
    from outcomes.services import delivery_enqueue

    reset_deliveries(ids)
    harness.flush_broker()
    sink.reset()
    for delivery_id in ids:
        if not delivery_enqueue(delivery_id):
            raise RuntimeError(f"Delivery {delivery_id} could not be put on the broker.")

    timeout = 60.0 + len(ids) / 10.0
    with harness.celery_worker(DATABASE, processes) as worker:
        arrivals = sink.wait_for(len(ids), timeout, worker)
    delivered = Delivery.objects.filter(pk__in=ids, status="delivered").count()
    if delivered != len(ids):
        raise RuntimeError(
            f"{delivered} of {len(ids)} deliveries were delivered; see {worker.log_path}."
        )
    return (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])


def render(results: dict[tuple[str, str], list[float]], args: argparse.Namespace) -> str:
    header_cells = ["format", "bare loop /s"]
    for processes in args.processes:
        header_cells += [f"{processes} process{'es' if processes > 1 else ''} /s", "÷ loop"]
    rows = []
    for outcome_format in FORMATS:
        loop = Summary.of(results[outcome_format, "loop"])
        row: list[object] = [outcome_format, loop.format(0)]
        for processes in args.processes:
            service = Summary.of(results[outcome_format, f"workers-{processes}"])
            row += [service.format(0), ratio(service.median, loop.median)]
        rows.append(row)
    header = report.run_header(
        args.command,
        args.runs,
        f"{args.deliveries} deliveries per cell and run; Redis broker; one prefork Celery "
        "worker; the sink (benchmarks.sink, aiohttp) and PostgreSQL 15 on the same machine.",
    )
    return f"{header}\n\n{report.markdown_table(header_cells, rows)}\n"


def main(argv: list[str] | None = None) -> None:
    parser = report.argument_parser("benchmarks.delivery", __doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=600, help="Deliveries per measurement.")
    parser.add_argument(
        "--processes",
        type=report.number_list,
        default=[1, 2],
        help="Comma-separated worker process counts.",
    )
    args = report.parse_arguments(parser, argv)

    harness.fresh_database(DATABASE)
    harness.setup_django(DATABASE)
    results: dict[tuple[str, str], list[float]] = defaultdict(list)
    with harness.sink() as sink_url:
        sink = SinkClient(sink_url)
        target_url = f"{sink_url}/outcomes"
        consumer = create_consumer(target_url)
        create_assessment()
        templates = {
            outcome_format: template_delivery(consumer, outcome_format, number)
            for number, outcome_format in enumerate(FORMATS)
        }
        harness.flush_broker()

        for run in range(args.runs):
            for outcome_format in FORMATS:
                ids = copy_deliveries(templates[outcome_format], args.deliveries)
                loop = measure_baseline(ids, outcome_format, target_url, sink)
                results[outcome_format, "loop"].append(loop)
                print(f"run {run + 1} {outcome_format} bare loop: {loop:.0f}/s")
                for processes in args.processes:
                    rate = measure_workers(ids, processes, sink)
                    results[outcome_format, f"workers-{processes}"].append(rate)
                    print(f"run {run + 1} {outcome_format} {processes} process(es): {rate:.0f}/s")

    data = {f"{fmt}@{kind}": rates for (fmt, kind), rates in results.items()}
    report.save_results("delivery", render(results, args), data, not args.no_doc)


if __name__ == "__main__":
    main()
