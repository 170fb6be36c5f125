"""Compare the latest results in var/benchmarks/*.json with the design targets.

    python -m benchmarks.targets

Measures nothing: it reads what the other benchmarks saved and replaces the
targets block of docs/benchmarks.md with one row per target.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from typing import Any

from benchmarks import report
from benchmarks.harness import VAR_DIR

LAUNCH_TARGET = 0.5
WORKER_TARGET = 0.5
SUBMIT_P99_TARGET_MS = 1000.0
SUBMIT_RATE = "50"
GROWTH_TARGET = 1.5


def _load(name: str) -> dict[str, Any] | None:
    path = VAR_DIR / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _verdict(met: bool) -> str:
    return "met" if met else "missed"


def launch_rows(data: dict[str, Any]) -> list[list[object]]:
    rows: list[list[object]] = []
    for key in data:
        endpoint, clients = key.split("@")
        if endpoint != "launch" or f"verify-only@{clients}" not in data:
            continue
        launch = _median([run["per_second"] for run in data[key]])
        verify = _median([run["per_second"] for run in data[f"verify-only@{clients}"]])
        share = launch / verify
        rows.append(
            [
                f"launches/s ≥ {LAUNCH_TARGET:.0%} of verify-only, "
                f"{clients} client{'' if clients == '1' else 's'}",
                f"{launch:.0f}/s vs {verify:.0f}/s = {share:.0%}",
                _verdict(share >= LAUNCH_TARGET),
            ]
        )
    return rows


def delivery_rows(data: dict[str, Any]) -> list[list[object]]:
    rows: list[list[object]] = []
    for outcome_format in ("gooru_json", "lti_pox"):
        loop_key = f"{outcome_format}@loop"
        worker_key = f"{outcome_format}@workers-1"
        if loop_key not in data or worker_key not in data:
            continue
        loop = _median(data[loop_key])
        worker = _median(data[worker_key])
        share = worker / loop
        rows.append(
            [
                f"one worker process ≥ {WORKER_TARGET:.0%} of the bare loop, {outcome_format}",
                f"{worker:.0f}/s vs {loop:.0f}/s = {share:.0%}",
                _verdict(share >= WORKER_TARGET),
            ]
        )
    return rows


def submit_rows(data: dict[str, Any]) -> list[list[object]]:
    if SUBMIT_RATE not in data:
        return []
    p99 = _median([run["gradebook_p99_ms"] for run in data[SUBMIT_RATE]])
    return [
        [
            f"submit to gradebook p99 < {SUBMIT_P99_TARGET_MS:.0f} ms at {SUBMIT_RATE}/s",
            f"{p99:.0f} ms",
            _verdict(p99 < SUBMIT_P99_TARGET_MS),
        ]
    ]


def growth_rows(data: dict[str, Any]) -> list[list[object]]:
    if "10,000" not in data or "1,000,000" not in data:
        return []
    rows: list[list[object]] = []
    for key, label in (("claim_p50_ms", "claim"), ("claim_sql_ms", "claim SQL")):
        small = _median([run[key] for run in data["10,000"]])
        large = _median([run[key] for run in data["1,000,000"]])
        rows.append(
            [
                f"{label} at 1 million rows ≤ {GROWTH_TARGET}× the cost at 10 thousand",
                f"{large:.3f} ms vs {small:.3f} ms = {large / small:.2f}×",
                _verdict(large / small <= GROWTH_TARGET),
            ]
        )
    return rows


SECTIONS: dict[str, Callable[[dict[str, Any]], list[list[object]]]] = {
    "launch": launch_rows,
    "delivery": delivery_rows,
    "submit": submit_rows,
    "growth": growth_rows,
}


def main(argv: list[str] | None = None) -> None:
    parser = report.argument_parser("benchmarks.targets", __doc__.splitlines()[0], runs=1)
    args = report.parse_arguments(parser, argv)

    rows: list[list[object]] = []
    missing = []
    for name, build in SECTIONS.items():
        data = _load(name)
        if data is None:
            missing.append(name)
            continue
        rows.extend(build(data))
    table = report.markdown_table(["target", "measured (median of the runs)", "verdict"], rows)
    text = f"Compiled by `{args.command}` from the results below.\n\n{table}\n"
    if missing:
        text += f"\nNo results yet from: {', '.join(missing)}.\n"
    report.save_results("targets", text, {"rows": rows, "missing": missing}, not args.no_doc)


if __name__ == "__main__":
    main()
