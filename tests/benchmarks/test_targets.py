"""The targets table compiled from saved benchmark results."""

from __future__ import annotations

from benchmarks.targets import delivery_rows, growth_rows, launch_rows, submit_rows


def test_launch_rows_compare_with_verify_only() -> None:
    data = {
        "launch@8": [{"per_second": 60.0}, {"per_second": 40.0}, {"per_second": 50.0}],
        "verify-only@8": [{"per_second": 100.0}],
        "empty@8": [{"per_second": 400.0}],
    }

    rows = launch_rows(data)

    assert rows == [["launches/s ≥ 50% of verify-only, 8 clients", "50/s vs 100/s = 50%", "met"]]


def test_launch_rows_name_one_client() -> None:
    data = {"launch@1": [{"per_second": 10.0}], "verify-only@1": [{"per_second": 100.0}]}

    (row,) = launch_rows(data)

    assert row[0] == "launches/s ≥ 50% of verify-only, 1 client"
    assert row[2] == "missed"


def test_delivery_rows_use_one_process() -> None:
    data = {
        "gooru_json@loop": [1000.0, 900.0, 1100.0],
        "gooru_json@workers-1": [400.0],
        "gooru_json@workers-2": [800.0],
    }

    rows = delivery_rows(data)

    assert rows == [
        [
            "one worker process ≥ 50% of the bare loop, gooru_json",
            "400/s vs 1000/s = 40%",
            "missed",
        ]
    ]


def test_submit_rows_use_p99_at_50_per_second() -> None:
    data = {"50": [{"gradebook_p99_ms": 700.0}, {"gradebook_p99_ms": 900.0}]}

    assert submit_rows(data) == [["submit to gradebook p99 < 1000 ms at 50/s", "800 ms", "met"]]


def test_growth_rows_need_both_sizes() -> None:
    assert growth_rows({"10,000": [{"claim_p50_ms": 1.0, "claim_sql_ms": 0.1}]}) == []


def test_growth_rows_compare_largest_with_smallest() -> None:
    data = {
        "10,000": [{"claim_p50_ms": 2.0, "claim_sql_ms": 0.10}],
        "1,000,000": [{"claim_p50_ms": 4.0, "claim_sql_ms": 0.12}],
    }

    claim, claim_sql = growth_rows(data)

    assert claim[2] == "missed"
    assert claim[1] == "4.000 ms vs 2.000 ms = 2.00×"
    assert claim_sql[2] == "met"
