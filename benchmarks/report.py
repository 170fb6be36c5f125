"""Write a benchmark's results into docs/benchmarks.md and var/benchmarks/<name>.json.

Each benchmark owns the block between `<!-- results:NAME:start -->` and
`<!-- results:NAME:end -->` in docs/benchmarks.md and replaces it on every run,
so the text around the blocks (the analysis) stays as written.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.harness import ROOT, VAR_DIR
from benchmarks.stats import machine_description

DOC_PATH = ROOT / "docs" / "benchmarks.md"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines.extend("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows)
    return "\n".join(lines)


# Read when a benchmark module starts, so that the header gives the start time and load.
STARTED_AT = datetime.datetime.now(datetime.UTC)
MACHINE_AT_START = machine_description()


def run_header(command: str, runs: int, notes: str = "") -> str:
    """Describe when, where and how a result was measured, for the top of its block."""
    started = STARTED_AT.strftime("%Y-%m-%d %H:%M")
    finished = datetime.datetime.now(datetime.UTC).strftime("%H:%M UTC")
    if runs == 1:
        how = "1 run."
    else:
        how = (
            f"{runs} runs; each cell is the median of the runs, "
            "with the lowest and highest in brackets."
        )
    text = f"Measured {started}–{finished} with `{command}`: {how}\nMachine: {MACHINE_AT_START}."
    if notes:
        text += f"\n{notes}"
    return text


def save_results(name: str, markdown: str, data: dict[str, Any], write_doc: bool = True) -> None:
    """Print the markdown, keep the raw data as JSON and, if write_doc, update the page."""
    print(markdown)
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    json_path = VAR_DIR / f"{name}.json"
    json_path.write_text(json.dumps(data, indent=2, default=str))
    print(f"Raw results: {json_path}", file=sys.stderr)
    if write_doc:
        replace_block(name, markdown)


def replace_block(name: str, markdown: str, path: Path = DOC_PATH) -> None:
    """Replace the results block NAME in path, or append it when the page has none."""
    start = f"<!-- results:{name}:start -->"
    end = f"<!-- results:{name}:end -->"
    block = f"{start}\n{markdown.strip()}\n{end}"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip("\n") + f"\n\n{block}\n"
    path.write_text(text)
    print(f"Updated the {name} results in {path}", file=sys.stderr)


def argument_parser(module: str, description: str, runs: int = 3) -> argparse.ArgumentParser:
    """Return a parser for `python -m module` with the shared options --runs and --no-doc."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=description)
    parser.add_argument("--runs", type=int, default=runs, help="Repetitions of the measurement.")
    parser.add_argument("--no-doc", action="store_true", help="Do not update docs/benchmarks.md.")
    return parser


def add_gunicorn_workers(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1),
        help="gunicorn sync worker processes (default: twice the number of cores).",
    )


def number_list(text: str) -> list[int]:
    """Parse a comma-separated list of whole numbers, such as 1,8,32."""
    return [int(item) for item in text.split(",")]


def parse_arguments(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """Parse argv (default sys.argv) and keep it as args.command for the results header."""
    arguments = argv if argv is not None else sys.argv[1:]
    args = parser.parse_args(arguments)
    args.command = " ".join([parser.prog, *arguments])
    return args
