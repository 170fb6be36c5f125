"""Worker memory: the resident size of a Celery worker while it sends N deliveries.

    python -m benchmarks.memory [--deliveries 100000] [--processes 2]

N pending copies of a delivery made by the real submit path are put on Redis,
then one prefork Celery worker (no --max-tasks-per-child, so each process
lives for the whole run) sends them to the local sink. The resident set size
(VmRSS in /proc) of the worker's main process and of each pool process is
read every few seconds. The table shows it once the worker is warm (after
1,000 deliveries, or a tenth of the run if that is fewer) and at every tenth
of the run.
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks import harness, report
from benchmarks.delivery import copy_deliveries, template_delivery
from benchmarks.fixtures import create_assessment, create_consumer
from benchmarks.sink_client import SinkClient

DATABASE = harness.database_name("memory")
SAMPLE_SECONDS = 2.0
WARM_DELIVERIES = 1000


def enqueue_all(ids: list[int]) -> None:
    from outcomes.services import delivery_enqueue

    for delivery_id in ids:
        if not delivery_enqueue(delivery_id):
            raise RuntimeError(f"Delivery {delivery_id} could not be put on the broker.")


def sample(worker: harness.Process, sink: SinkClient, started: float) -> dict[str, Any]:
    sizes = harness.process_tree_rss_kib(worker.pid)
    main_kib = sizes.pop(worker.pid, 0)
    return {
        "seconds": time.monotonic() - started,
        "delivered": sink.count(),
        "main_rss_kib": main_kib,
        "pool_rss_kib": sorted(sizes.values()),
    }


def render(samples: list[dict[str, Any]], args: Any) -> str:
    warm_at = min(WARM_DELIVERIES, args.deliveries // 10)
    checkpoints = [warm_at] + [args.deliveries * tenth // 10 for tenth in range(1, 11)]

    rows = []
    shown_counts: set[int] = set()
    for checkpoint in checkpoints:
        reached = next((s for s in samples if s["delivered"] >= checkpoint), samples[-1])
        if reached["delivered"] in shown_counts:
            continue
        shown_counts.add(reached["delivered"])
        rows.append(
            [
                f"{reached['delivered']:,}",
                f"{reached['seconds']:.0f}",
                f"{reached['main_rss_kib'] / 1024:.1f}",
                " + ".join(f"{kib / 1024:.1f}" for kib in reached["pool_rss_kib"]),
            ]
        )

    warm = next(s for s in samples if s["delivered"] >= warm_at)
    last = samples[-1]
    growth_kib = sum(last["pool_rss_kib"]) - sum(warm["pool_rss_kib"])
    per_thousand = growth_kib / max(1, (last["delivered"] - warm["delivered"]) / 1000)

    table = report.markdown_table(
        ["deliveries sent", "seconds", "main process RSS MiB", "pool processes RSS MiB"], rows
    )
    header = report.run_header(
        args.command,
        1,
        f"One prefork Celery worker with {args.processes} pool process(es), Redis broker, "
        f"JSON deliveries to the local sink. Pool processes grew by {growth_kib / 1024:.1f} MiB "
        f"in total from {warm['delivered']:,} to {last['delivered']:,} deliveries "
        f"({per_thousand:.1f} KiB per 1,000 deliveries).",
    )
    return f"{header}\n\n{table}\n"


def main(argv: list[str] | None = None) -> None:
    parser = report.argument_parser("benchmarks.memory", __doc__.splitlines()[0], runs=1)
    parser.add_argument("--deliveries", type=int, default=100_000, help="Deliveries to send.")
    parser.add_argument("--processes", type=int, default=2, help="Worker pool processes.")
    args = report.parse_arguments(parser, argv)

    harness.fresh_database(DATABASE)
    harness.setup_django(DATABASE)
    harness.flush_broker()
    samples: list[dict[str, Any]] = []
    with harness.sink() as sink_url:
        sink = SinkClient(sink_url)
        consumer = create_consumer(f"{sink_url}/outcomes")
        create_assessment()
        template = template_delivery(consumer, "gooru_json", 0)
        ids = copy_deliveries(template, args.deliveries)
        harness.flush_broker()
        enqueue_all(ids)
        sink.reset()

        started = time.monotonic()
        with harness.celery_worker(DATABASE, args.processes) as worker:
            timeout = 300.0 + args.deliveries / 5.0
            while True:
                samples.append(sample(worker, sink, started))
                latest = samples[-1]
                if latest["delivered"] >= args.deliveries:
                    break
                if latest["seconds"] > timeout:
                    raise RuntimeError(
                        f"Timed out: {latest['delivered']} of {args.deliveries} deliveries "
                        f"sent in {timeout:.0f} s."
                    )
                worker.check_running()
                if len(samples) % 30 == 0:
                    print(latest)
                time.sleep(SAMPLE_SECONDS)

    report.save_results("memory", render(samples, args), {"samples": samples}, not args.no_doc)


if __name__ == "__main__":
    main()
