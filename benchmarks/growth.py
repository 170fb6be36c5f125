"""Cost as history grows: claiming a due delivery and one sweeper pass, by table size.

    python -m benchmarks.growth [--runs 3] [--sizes 10000,100000,1000000]

The history is grown in PostgreSQL with INSERT ... SELECT over generate_series:
one submitted attempt, one finished delivery (delivered, with 1 in 50 failed and
1 in 50 superseded) and one try per historical delivery, spread over 180 days.
At each size the benchmark adds `--due` pending deliveries that are due now and
times, in this process, the outcomes services the worker and beat run:

- claim: outcomes.services.delivery_claim on each due delivery (the
  conditional UPDATE a worker runs before sending);
- sweep, due: outcomes.services.deliveries_sweep while the due rows wait,
  which selects them and puts one task each on Redis;
- sweep, idle: the same pass when nothing is due, the beat's usual case.

Each run repeats the three at every size. With --without-due-index the
largest size is measured once more after dropping the delivery_due index,
which shows what keeps the cost flat.
"""

from __future__ import annotations

import math
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from benchmarks import harness, report
from benchmarks.fixtures import (
    answer_every_question,
    create_assessment,
    create_consumer,
    create_students,
)
from benchmarks.sql import clone_rows
from benchmarks.stats import Summary, percentile, ratio

DATABASE = harness.database_name("growth")
OUTCOMES_URL = "http://127.0.0.1:9/outcomes"
DUE_INDEX = "delivery_due"
IDLE_SWEEPS = 30
DUE_SWEEPS = 5
HISTORY_DAYS = 180
PLAN_INDEX_PATTERN = re.compile(
    r"(?:Index|Index Only|Bitmap Index) Scan (?:Backward )?(?:using|on) (\w+)"
)
SEQ_SCAN_PATTERN = re.compile(r"Seq Scan on (\w+)")
EXECUTION_TIME_PATTERN = re.compile(r"Execution Time: ([0-9.]+) ms")


def template_rows() -> tuple[Any, int]:
    """Submit one attempt through the real service; return (attempt id, delivery id)."""
    from launches.models import Consumer
    from outcomes.models import Delivery
    from player_api.models import Attempt
    from player_api.services import attempt_submit

    consumer = Consumer.objects.get()
    student = create_students(consumer, [0], OUTCOMES_URL)[0]
    answer_every_question([student])
    attempt_submit(Attempt.objects.get(pk=student.attempt_id))
    delivery = Delivery.objects.get(attempt_id=student.attempt_id)
    Delivery.objects.filter(pk=delivery.pk).update(status="cancelled", next_try_at=None)
    harness.flush_broker()
    return student.attempt_id, int(delivery.pk)


def grow_history(attempt_id: Any, delivery_id: int, first: int, last: int) -> None:
    """Add historical attempts, deliveries and tries numbered first to last."""
    from django.db import connection

    age = f"(interval '{HISTORY_DAYS} days' * ((g * 7919) % 1000003) / 1000003.0)"
    clone_rows(
        "player_api_attempt",
        attempt_id,
        first,
        last,
        {
            "id": "md5('bench-attempt-' || g)::uuid",
            "resource_link_id": "'hist-link-' || g",
            "lis_result_sourcedid": "'hist-sd-' || g",
            "started_at": f"now() - {age} - interval '10 minutes'",
            "submitted_at": f"now() - {age}",
        },
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM outcomes_delivery")
        (before,) = cursor.fetchone()
    clone_rows(
        "outcomes_delivery",
        delivery_id,
        first,
        last,
        {
            "uuid": "gen_random_uuid()",
            "attempt_id": "md5('bench-attempt-' || g)::uuid",
            "sourcedid": "'hist-sd-' || g",
            "payload": "replace(t.payload, t.sourcedid, 'hist-sd-' || g)",
            "status": (
                "CASE g % 50 WHEN 0 THEN 'failed' WHEN 1 THEN 'superseded' ELSE 'delivered' END"
            ),
            "tries": "CASE g % 50 WHEN 0 THEN 10 WHEN 1 THEN 0 ELSE 1 END",
            "next_try_at": "NULL",
            "enqueued_at": "NULL",
            "last_status_code": "CASE g % 50 WHEN 0 THEN 500 WHEN 1 THEN NULL ELSE 200 END",
            "delivered_at": f"CASE WHEN g % 50 > 1 THEN now() - {age} END",
            "created": f"now() - {age}",
            "updated": f"now() - {age}",
        },
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO outcomes_deliverytry "
            "(delivery_id, started_at, duration_ms, status_code, response_excerpt, error, "
            "message_id) "
            "SELECT id, created, 40, last_status_code, '{\"status\":\"ok\"}', '', '' "
            "FROM outcomes_delivery WHERE id > %s AND status <> 'superseded'",
            [before],
        )
        cursor.execute("VACUUM ANALYZE outcomes_delivery")
        cursor.execute("VACUUM ANALYZE outcomes_deliverytry")
        cursor.execute("VACUUM ANALYZE player_api_attempt")


def add_due(delivery_id: int, size: int, count: int) -> list[int]:
    """Add `count` pending deliveries due a minute ago; return their ids."""
    from outcomes.models import Delivery

    clone_rows(
        "outcomes_delivery",
        delivery_id,
        1,
        count,
        {
            "uuid": "gen_random_uuid()",
            "sourcedid": f"'due-{size}-sd-' || g",
            "status": "'pending'",
            "next_try_at": "now() - interval '1 minute'",
            "enqueued_at": "NULL",
            "created": "now()",
            "updated": "now()",
        },
    )
    return list(
        Delivery.objects.filter(status="pending", sourcedid__startswith=f"due-{size}-")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _milliseconds(function: Any, *args: Any) -> float:
    start = time.perf_counter()
    function(*args)
    return (time.perf_counter() - start) * 1000.0


@dataclass(frozen=True)
class Plan:
    """The indexes (or sequential scans) of a statement's plan and its execution time."""

    uses: str
    execution_ms: float


def explain(sql: str, repeats: int = 9) -> Plan:
    """Run EXPLAIN ANALYZE on one statement in a transaction that is rolled back.

    The execution time is PostgreSQL's own, without the round trip and the
    ORM, so it shows what the table size costs. It is the fastest of `repeats`
    runs, because on a shared machine the slower ones measure the other load.
    """
    from django.db import connection, transaction

    timings = []
    plan = ""
    for _ in range(repeats):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("EXPLAIN ANALYZE " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            transaction.set_rollback(True)
        match = EXECUTION_TIME_PATTERN.search(plan)
        timings.append(float(match.group(1)) if match else math.nan)
    used = PLAN_INDEX_PATTERN.findall(plan) + [
        f"seq scan {table}" for table in SEQ_SCAN_PATTERN.findall(plan)
    ]
    fastest = min((timing for timing in timings if not math.isnan(timing)), default=math.nan)
    return Plan(", ".join(dict.fromkeys(used)) or "none", fastest)


def _first_query(queries: list[dict[str, str]], prefix: str) -> str:
    return next(query["sql"] for query in queries if query["sql"].startswith(prefix))


def measure_size(delivery_id: int, size: int, due: int) -> dict[str, Any]:
    """Time sweeps and claims with `due` due rows on top of the current history."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from outcomes.models import Delivery
    from outcomes.services import deliveries_sweep, delivery_claim

    ids = add_due(delivery_id, size, due)
    due_rows = Delivery.objects.filter(pk__in=ids)

    sweep_due_ms = []
    for _ in range(DUE_SWEEPS):
        due_rows.update(enqueued_at=None)
        with CaptureQueriesContext(connection) as sweep_queries:
            sweep_due_ms.append(_milliseconds(deliveries_sweep))
        harness.flush_broker()

    # Every due row now counts as already on the broker, so the sweep finds nothing.
    sweep_idle_ms = [_milliseconds(deliveries_sweep) for _ in range(IDLE_SWEEPS)]

    claim_ms = []
    for pk in ids:
        with CaptureQueriesContext(connection) as claim_queries:
            claim_ms.append(_milliseconds(delivery_claim, pk))
    claimed = due_rows.filter(status="sending").count()
    if claimed != len(ids):
        raise RuntimeError(f"Only {claimed} of {len(ids)} due deliveries were claimed.")

    # Make the last claimed row due again, so that both statements find one row.
    due_rows.filter(pk=ids[-1]).update(status="pending", sending_since=None, claim_id=None)
    sweep_plan = explain(_first_query(sweep_queries.captured_queries, "SELECT"))
    claim_plan = explain(_first_query(claim_queries.captured_queries, "UPDATE"))
    due_rows.delete()
    return {
        "claim_p50_ms": percentile(claim_ms, 0.50),
        "claim_p99_ms": percentile(claim_ms, 0.99),
        "claim_sql_ms": claim_plan.execution_ms,
        "sweep_due_ms": percentile(sweep_due_ms, 0.50),
        "sweep_idle_ms": percentile(sweep_idle_ms, 0.50),
        "sweep_sql_ms": sweep_plan.execution_ms,
        "sweep_plan": sweep_plan.uses,
        "claim_plan": claim_plan.uses,
    }


def drop_due_index() -> str:
    """Drop the delivery_due index and return the statement that recreates it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [DUE_INDEX])
        (definition,) = cursor.fetchone()
        cursor.execute(f'DROP INDEX "{DUE_INDEX}"')
        cursor.execute("ANALYZE outcomes_delivery")
    return str(definition)


def restore_index(definition: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(definition)
        cursor.execute("ANALYZE outcomes_delivery")


def render(results: dict[str, list[dict[str, Any]]], args: Any) -> str:
    first_label = next(iter(results))
    first_claim = Summary.of([run["claim_p50_ms"] for run in results[first_label]]).median
    first_claim_sql = Summary.of([run["claim_sql_ms"] for run in results[first_label]]).median
    rows = []
    for label, runs in results.items():
        claim = Summary.of([run["claim_p50_ms"] for run in runs])
        claim_sql = Summary.of([run["claim_sql_ms"] for run in runs])
        rows.append(
            [
                label,
                claim.format(2),
                Summary.of([run["claim_p99_ms"] for run in runs]).format(2),
                ratio(claim.median, first_claim),
                claim_sql.format(3),
                ratio(claim_sql.median, first_claim_sql),
                Summary.of([run["sweep_idle_ms"] for run in runs]).format(2),
                Summary.of([run["sweep_due_ms"] for run in runs]).format(1),
                Summary.of([run["sweep_sql_ms"] for run in runs]).format(3),
                runs[-1]["claim_plan"],
                runs[-1]["sweep_plan"],
            ]
        )
    table = report.markdown_table(
        [
            "historical deliveries",
            "claim p50 ms",
            "claim p99 ms",
            f"claim ÷ {first_label}",
            "claim SQL ms",
            f"claim SQL ÷ {first_label}",
            "idle sweep ms",
            f"sweep of {args.due} due ms",
            "sweep SQL ms",
            "claim plan uses",
            "sweep plan uses",
        ],
        rows,
    )
    header = report.run_header(
        args.command,
        args.runs,
        f"{args.due} due deliveries claimed one by one per run and size (p50 and p99 over "
        f"them); {IDLE_SWEEPS} idle sweeps and {DUE_SWEEPS} sweeps with the due rows "
        "waiting (median of each run). Timed in the benchmark process against PostgreSQL 15 "
        "on the same machine, with Redis as the broker. The SQL columns are PostgreSQL's "
        "own execution time (EXPLAIN ANALYZE, fastest of 9, rolled back) of the claim's "
        "UPDATE and the sweep's SELECT.",
    )
    return f"{header}\n\n{table}\n"


def main(argv: list[str] | None = None) -> None:
    parser = report.argument_parser("benchmarks.growth", __doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=report.number_list,
        default=[10_000, 100_000, 1_000_000],
        help="Comma-separated numbers of historical deliveries, ascending.",
    )
    parser.add_argument("--due", type=int, default=200, help="Due deliveries at each size.")
    parser.add_argument(
        "--without-due-index",
        action="store_true",
        help="Also measure the largest size without the delivery_due index.",
    )
    args = report.parse_arguments(parser, argv)

    harness.fresh_database(DATABASE)
    harness.setup_django(DATABASE)
    harness.flush_broker()
    create_consumer(OUTCOMES_URL)
    create_assessment()
    attempt_id, delivery_id = template_rows()

    results: dict[str, list[dict[str, Any]]] = defaultdict(list)
    grown = 0
    for size in sorted(args.sizes):
        started = time.perf_counter()
        grow_history(attempt_id, delivery_id, grown + 1, size)
        grown = size
        print(f"history grown to {size} deliveries in {time.perf_counter() - started:.1f} s")
        for run in range(args.runs):
            numbers = measure_size(delivery_id, size, args.due)
            results[f"{size:,}"].append(numbers)
            print(f"{size} run {run + 1}: {numbers}")

    if args.without_due_index:
        definition = drop_due_index()
        try:
            for run in range(args.runs):
                numbers = measure_size(delivery_id, grown, args.due)
                results[f"{grown:,} without {DUE_INDEX}"].append(numbers)
                print(f"{grown} without {DUE_INDEX} run {run + 1}: {numbers}")
        finally:
            restore_index(definition)
    harness.flush_broker()

    data = {label: runs for label, runs in results.items()}
    report.save_results("growth", render(results, args), data, not args.no_doc)


if __name__ == "__main__":
    main()
