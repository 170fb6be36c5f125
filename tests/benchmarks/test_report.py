"""Percentiles, summaries and the results blocks that benchmarks write into their page."""

from __future__ import annotations

import math
from pathlib import Path

from benchmarks.report import replace_block
from benchmarks.stats import Summary, percentile, ratio


def test_percentile_uses_nearest_rank() -> None:
    values = [float(value) for value in range(1, 101)]

    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 1.0) == 100.0
    assert percentile([7.0], 0.99) == 7.0


def test_percentile_of_nothing_is_nan() -> None:
    assert math.isnan(percentile([], 0.5))


def test_summary_gives_median_and_range() -> None:
    summary = Summary.of([30.0, 10.0, 20.0])

    assert summary.median == 20.0
    assert summary.low == 10.0
    assert summary.high == 30.0
    assert summary.format(0) == "20 (10–30)"


def test_summary_of_one_run_has_no_range() -> None:
    assert Summary.of([12.34]).format(1) == "12.3"


def test_ratio_of_missing_baseline_is_na() -> None:
    assert ratio(5.0, math.nan) == "n/a"
    assert ratio(5.0, 0.0) == "n/a"
    assert ratio(5.0, 10.0) == "0.50"


def test_replace_block_keeps_surrounding_text(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text(
        "# Benchmarks\n\nAnalysis before.\n\n"
        "<!-- results:launch:start -->\nold numbers\n<!-- results:launch:end -->\n\n"
        "Analysis after.\n"
    )

    replace_block("launch", "new numbers", page)

    text = page.read_text()
    assert "new numbers" in text
    assert "old numbers" not in text
    assert "Analysis before." in text
    assert "Analysis after." in text


def test_replace_block_appends_missing_block(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text("# Benchmarks\n")

    replace_block("growth", "growth numbers", page)

    text = page.read_text()
    assert text.startswith("# Benchmarks\n")
    assert "<!-- results:growth:start -->\ngrowth numbers\n<!-- results:growth:end -->" in text
