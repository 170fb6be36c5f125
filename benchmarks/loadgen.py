"""An asyncio HTTP load client (aiohttp): closed-loop clients and a paced open-loop stream.

Requests are built before the clock starts, so signing and JSON encoding are not
measured. Redirects are never followed, because a launch's 303 is its response.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import aiohttp

from benchmarks.stats import percentile

REQUEST_TIMEOUT_SECONDS = 60.0
# How many failure messages a result keeps, so a broken run still shows why.
KEPT_ERRORS = 5


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    body: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    """The response to one request: send time in Unix seconds, latency in milliseconds."""

    url: str
    sent_at: float
    latency_ms: float
    status: int
    location: str
    body: bytes


@dataclass
class LoadResult:
    """The outcome of one load run: counts, wall time, latencies of the accepted replies."""

    clients: int
    elapsed_s: float
    client_cpu_s: float
    statuses: Counter[int]
    latencies_ms: list[float]
    replies: list[Reply]
    errors: list[str]

    @property
    def accepted(self) -> int:
        return len(self.latencies_ms)

    @property
    def failed(self) -> int:
        return sum(self.statuses.values()) - self.accepted

    @property
    def per_second(self) -> float:
        return self.accepted / self.elapsed_s if self.elapsed_s else 0.0

    def latency(self, fraction: float) -> float:
        return percentile(self.latencies_ms, fraction)


async def _send(
    session: aiohttp.ClientSession, request: Request
) -> tuple[int, str, bytes, float, float]:
    sent_at = time.time()
    start = time.perf_counter()
    async with session.request(
        request.method,
        request.url,
        data=request.body,
        headers=dict(request.headers),
        allow_redirects=False,
    ) as response:
        body = await response.read()
        latency_ms = (time.perf_counter() - start) * 1000.0
        return response.status, response.headers.get("Location", ""), body, sent_at, latency_ms


async def _send_and_record(
    session: aiohttp.ClientSession,
    request: Request,
    result: LoadResult,
    accept: Collection[int],
    keep_replies: bool,
) -> None:
    try:
        status, location, body, sent_at, latency_ms = await _send(session, request)
    except (aiohttp.ClientError, TimeoutError) as error:
        result.statuses[0] += 1
        if len(result.errors) < KEPT_ERRORS:
            result.errors.append(f"{request.method} {request.url}: {error!r}")
        return
    result.statuses[status] += 1
    if status in accept:
        result.latencies_ms.append(latency_ms)
    elif len(result.errors) < KEPT_ERRORS:
        result.errors.append(f"{request.method} {request.url}: {status} {body[:300]!r}")
    if keep_replies:
        result.replies.append(Reply(request.url, sent_at, latency_ms, status, location, body))


async def _run_closed_loop(
    sequences: Sequence[Sequence[Request]], accept: Collection[int], keep_replies: bool
) -> LoadResult:
    result = LoadResult(len(sequences), 0.0, 0.0, Counter(), [], [], [])
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
    connector = aiohttp.TCPConnector(limit=len(sequences))

    async def client(sequence: Sequence[Request]) -> None:
        for request in sequence:
            await _send_and_record(session, request, result, accept, keep_replies)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        cpu_start = time.process_time()
        start = time.perf_counter()
        await asyncio.gather(*(client(sequence) for sequence in sequences))
        result.elapsed_s = time.perf_counter() - start
        result.client_cpu_s = time.process_time() - cpu_start
    return result


def run_closed_loop(
    sequences: Sequence[Sequence[Request]],
    accept: Collection[int],
    keep_replies: bool = False,
) -> LoadResult:
    """Run one client per sequence, each sending its requests one after another.

    The clients run at the same time, so len(sequences) is the concurrency.
    A reply whose status is in `accept` counts as accepted. Any other status,
    and any connection error, counts as failed and keeps its message in `errors`.
    """
    return asyncio.run(_run_closed_loop(sequences, accept, keep_replies))


def split_round_robin(requests: Sequence[Request], clients: int) -> list[list[Request]]:
    """Deal requests to `clients` sequences like cards, so every client gets a fair share."""
    return [list(requests[index::clients]) for index in range(clients)]


async def _run_paced(
    requests: Sequence[Request], rate_per_second: float, accept: Collection[int]
) -> LoadResult:
    result = LoadResult(0, 0.0, 0.0, Counter(), [], [], [])
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
    connector = aiohttp.TCPConnector(limit=0)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        cpu_start = time.process_time()
        start = time.perf_counter()
        tasks = []
        for index, request in enumerate(requests):
            delay = start + index / rate_per_second - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(
                asyncio.create_task(_send_and_record(session, request, result, accept, True))
            )
        await asyncio.gather(*tasks)
        result.elapsed_s = time.perf_counter() - start
        result.client_cpu_s = time.process_time() - cpu_start
        result.clients = len(requests)
    return result


def run_paced(
    requests: Sequence[Request], rate_per_second: float, accept: Collection[int]
) -> LoadResult:
    """Send request i at start + i / rate_per_second without waiting for earlier replies.

    This is an open loop: a slow server does not slow the stream down, so the
    latencies include any queueing. Every reply is kept, with the time it was sent.
    """
    return asyncio.run(_run_paced(requests, rate_per_second, accept))
