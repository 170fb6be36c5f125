"""A local LMS gradebook for benchmarks: accepts every outcome and records when it arrived.

Run as `python -m benchmarks.sink --port PORT`; it listens on 127.0.0.1 only.
Every POST to any other path is an outcome. The sink stores its arrival time
(Unix seconds, from the same clock the benchmark reads) and the first
benchmark sourcedid (`bench-sd-<number>`) found in the body. It then replies as
an LMS that took the score, with a POX success envelope for XML and a small
JSON object otherwise. The sink checks no signature, because it stands in for the LMS's
speed, not its checks.

- GET /_sink/count returns {"count": N}.
- GET /_sink/records returns {"records": [[arrival, sourcedid], ...]}.
- POST /_sink/reset forgets every record.
"""

from __future__ import annotations

import argparse
import re
import time

from aiohttp import web

SOURCEDID_PATTERN = re.compile(rb"bench-sd-[0-9]+")
MESSAGE_ID_PATTERN = re.compile(rb"<imsx_messageIdentifier>([^<]*)</imsx_messageIdentifier>")

POX_SUCCESS = """<?xml version="1.0" encoding="UTF-8"?>
<imsx_POXEnvelopeResponse xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0">
  <imsx_POXHeader>
    <imsx_POXResponseHeaderInfo>
      <imsx_version>V1.0</imsx_version>
      <imsx_messageIdentifier>sink-{number}</imsx_messageIdentifier>
      <imsx_statusInfo>
        <imsx_codeMajor>success</imsx_codeMajor>
        <imsx_severity>status</imsx_severity>
        <imsx_description>Score recorded.</imsx_description>
        <imsx_messageRefIdentifier>{reference}</imsx_messageRefIdentifier>
        <imsx_operationRefIdentifier>replaceResult</imsx_operationRefIdentifier>
      </imsx_statusInfo>
    </imsx_POXResponseHeaderInfo>
  </imsx_POXHeader>
  <imsx_POXBody><replaceResultResponse/></imsx_POXBody>
</imsx_POXEnvelopeResponse>
"""

RECORDS = web.AppKey("records", list)


async def receive_outcome(request: web.Request) -> web.Response:
    arrival = time.time()
    body = await request.read()
    records = request.app[RECORDS]
    match = SOURCEDID_PATTERN.search(body)
    records.append((arrival, match.group().decode() if match else ""))

    if body.lstrip().startswith(b"<"):
        reference = MESSAGE_ID_PATTERN.search(body)
        text = POX_SUCCESS.format(
            number=len(records), reference=reference.group(1).decode() if reference else ""
        )
        return web.Response(text=text, content_type="application/xml")
    return web.json_response({"status": "ok", "received": len(records)})


async def count(request: web.Request) -> web.Response:
    return web.json_response({"count": len(request.app[RECORDS])})


async def records(request: web.Request) -> web.Response:
    return web.json_response({"records": request.app[RECORDS]})


async def reset(request: web.Request) -> web.Response:
    request.app[RECORDS].clear()
    return web.json_response({"count": 0})


def make_app() -> web.Application:
    app = web.Application(client_max_size=4 * 1024 * 1024)
    app[RECORDS] = []
    app.router.add_get("/_sink/count", count)
    app.router.add_get("/_sink/records", records)
    app.router.add_post("/_sink/reset", reset)
    app.router.add_post("/{tail:.*}", receive_outcome)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1.")
    args = parser.parse_args()
    web.run_app(make_app(), host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
