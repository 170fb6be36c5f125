"""Read and reset what benchmarks.sink recorded."""

from __future__ import annotations

import time

import requests

from benchmarks.harness import Process

POLL_SECONDS = 0.2
REQUEST_TIMEOUT_SECONDS = 10.0


class SinkClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()

    def reset(self) -> None:
        self.session.post(
            f"{self.base_url}/_sink/reset", timeout=REQUEST_TIMEOUT_SECONDS
        ).raise_for_status()

    def count(self) -> int:
        reply = self.session.get(f"{self.base_url}/_sink/count", timeout=REQUEST_TIMEOUT_SECONDS)
        reply.raise_for_status()
        return int(reply.json()["count"])

    def records(self) -> list[tuple[float, str]]:
        """Return (arrival in Unix seconds, sourcedid) for every outcome received, in order."""
        reply = self.session.get(f"{self.base_url}/_sink/records", timeout=REQUEST_TIMEOUT_SECONDS)
        reply.raise_for_status()
        return [(float(arrival), str(sourcedid)) for arrival, sourcedid in reply.json()["records"]]

    def wait_for(self, expected: int, timeout: float, *processes: Process) -> list[float]:
        """Wait until `expected` outcomes arrived; return their sorted arrival times.

        Raises RuntimeError when a watched process exits or timeout seconds pass first.
        """
        deadline = time.monotonic() + timeout
        while self.count() < expected:
            for process in processes:
                process.check_running()
            if time.monotonic() > deadline:
                received = self.count()
                raise RuntimeError(
                    f"Timed out: {received} of {expected} outcomes reached the sink "
                    f"in {timeout:.0f} s."
                )
            time.sleep(POLL_SECONDS)
        return sorted(arrival for arrival, _ in self.records())
