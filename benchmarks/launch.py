"""Launch throughput and latency against gunicorn on PostgreSQL, with two baselines.

    python -m benchmarks.launch [--runs 3] [--requests 500] [--clients 1,8,32]

Each run measures, at each concurrency, three endpoints of the same server:
the real launch (POST /lti/launch/, a distinct signed launch per request),
the verify-only view (oauthlib signature check, then 204) and the empty view
(204). The endpoints take turns in a rotating order, so that a slow moment of
a shared machine does not land on the same endpoint in every run.
"""

from __future__ import annotations

import argparse
import math
from collections import defaultdict
from typing import Any

from benchmarks import harness, report
from benchmarks.fixtures import create_assessment, create_consumer, launch_target
from benchmarks.loadgen import LoadResult, Request, run_closed_loop, split_round_robin
from benchmarks.lti import FORM_CONTENT_TYPE, signed_launch
from benchmarks.stats import Summary, ratio

DATABASE = harness.database_name("launch")
ENDPOINTS = {
    "launch": ("/lti/launch/", {302, 303}),
    "verify-only": ("/bench/verify-only/", {204}),
    "empty": ("/bench/empty/", {204}),
}
WARMUP_REQUESTS = 50


class LaunchNumbers:
    """Hands out launch numbers, so that no two requests of a benchmark are the same launch."""

    def __init__(self) -> None:
        self.next = 0

    def take(self, count: int) -> range:
        numbers = range(self.next, self.next + count)
        self.next += count
        return numbers


def build_requests(
    base_url: str, endpoint: str, count: int, numbers: LaunchNumbers
) -> list[Request]:
    """Sign `count` distinct launches for endpoint; the baselines get the same kind of body."""
    path, _ = ENDPOINTS[endpoint]
    url = base_url + path
    target = launch_target("http://127.0.0.1:9/outcomes")
    headers = {"Content-Type": FORM_CONTENT_TYPE}
    return [
        Request("POST", url, signed_launch(url, target, number), headers)
        for number in numbers.take(count)
    ]


def measure(
    base_url: str, endpoint: str, clients: int, count: int, numbers: LaunchNumbers
) -> LoadResult:
    requests = build_requests(base_url, endpoint, count, numbers)
    _, accept = ENDPOINTS[endpoint]
    result = run_closed_loop(split_round_robin(requests, clients), accept)
    if result.failed:
        raise RuntimeError(
            f"{endpoint} at {clients} clients: {result.failed} of {count} requests failed, "
            f"statuses {dict(result.statuses)}: {result.errors}"
        )
    return result


def _median(summaries: dict[str, Summary], endpoint: str) -> float:
    summary = summaries.get(endpoint)
    return summary.median if summary else math.nan


def render(
    results: dict[tuple[str, int], list[LoadResult]], args: argparse.Namespace, workers: int
) -> str:
    rows = []
    for clients in args.clients:
        throughput = {
            endpoint: Summary.of([r.per_second for r in results[endpoint, clients]])
            for endpoint in args.endpoints
        }
        for endpoint in args.endpoints:
            runs = results[endpoint, clients]
            rows.append(
                [
                    clients,
                    endpoint,
                    throughput[endpoint].format(0),
                    Summary.of([r.latency(0.50) for r in runs]).format(1),
                    Summary.of([r.latency(0.99) for r in runs]).format(1),
                    ratio(throughput[endpoint].median, _median(throughput, "verify-only")),
                    ratio(throughput[endpoint].median, _median(throughput, "empty")),
                    Summary.of([100 * r.client_cpu_s / r.elapsed_s for r in runs]).format(0),
                ]
            )
    table = report.markdown_table(
        [
            "clients",
            "endpoint",
            "requests/s",
            "p50 ms",
            "p99 ms",
            "÷ verify-only",
            "÷ empty",
            "load client CPU %",
        ],
        rows,
    )
    header = report.run_header(
        args.command,
        args.runs,
        f"gunicorn with {workers} sync workers; {args.requests} requests per cell and run, "
        "each a distinct signed launch; PostgreSQL 15 on the same machine.",
    )
    return f"{header}\n\n{table}\n"


def main(argv: list[str] | None = None) -> None:
    parser = report.argument_parser("benchmarks.launch", __doc__.splitlines()[0])
    parser.add_argument(
        "--requests", type=int, default=500, help="Requests per endpoint, concurrency and run."
    )
    parser.add_argument(
        "--clients",
        type=report.number_list,
        default=[1, 8, 32],
        help="Comma-separated numbers of concurrent clients.",
    )
    report.add_gunicorn_workers(parser)
    parser.add_argument(
        "--endpoints",
        type=lambda text: text.split(","),
        default=list(ENDPOINTS),
        help="Comma-separated endpoints among launch, verify-only and empty.",
    )
    args = report.parse_arguments(parser, argv)

    harness.fresh_database(DATABASE)
    harness.setup_django(DATABASE)
    create_consumer("http://127.0.0.1:9/outcomes")
    create_assessment()

    numbers = LaunchNumbers()
    results: dict[tuple[str, int], list[LoadResult]] = defaultdict(list)
    with harness.gunicorn(DATABASE, args.workers) as base_url:
        for endpoint in args.endpoints:
            measure(base_url, endpoint, min(8, max(args.clients)), WARMUP_REQUESTS, numbers)
        for run in range(args.runs):
            for clients in args.clients:
                shift = run % len(args.endpoints)
                order = args.endpoints[shift:] + args.endpoints[:shift]
                for endpoint in order:
                    result = measure(base_url, endpoint, clients, args.requests, numbers)
                    results[endpoint, clients].append(result)
                    print(
                        f"run {run + 1} clients {clients} {endpoint}: "
                        f"{result.per_second:.0f}/s p50 {result.latency(0.5):.1f} ms "
                        f"p99 {result.latency(0.99):.1f} ms"
                    )

    data: dict[str, Any] = {
        f"{endpoint}@{clients}": [
            {
                "per_second": r.per_second,
                "p50_ms": r.latency(0.5),
                "p99_ms": r.latency(0.99),
                "elapsed_s": r.elapsed_s,
                "client_cpu_s": r.client_cpu_s,
            }
            for r in runs
        ]
        for (endpoint, clients), runs in results.items()
    }
    report.save_results("launch", render(results, args, args.workers), data, not args.no_doc)


if __name__ == "__main__":
    main()
