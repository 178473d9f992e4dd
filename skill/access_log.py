"""One line per request that ``aftercare serve`` answers, with nothing of the patient's.

A line names the method, the route (its pattern, ``/portal/welcome/<token>``, never the
path itself: paths carry one-time sign-in tokens and record ids), the status, the time
taken and the worker process, for example::

    aftercare.access: POST /alexa 200 1.8 ms pid 4242

No address, no query string, no header, no body: Alexa's requests carry user and device
ids, and the portal's carry names and tokens. A path no route matches is logged as "-".
"""

from __future__ import annotations

import logging
import os
import time

from flask import Flask, Response, g, request

log = logging.getLogger("aftercare.access")


def log_requests(app: Flask) -> None:
    """Logs one line (see above) for each request ``app`` answers."""

    @app.before_request
    def note_the_start() -> None:
        g.access_started = time.perf_counter()

    @app.after_request
    def log_the_request(response: Response) -> Response:
        started = g.get("access_started")
        took = "-" if started is None else f"{(time.perf_counter() - started) * 1000:.1f} ms"
        route = request.url_rule.rule if request.url_rule is not None else "-"
        status = response.status_code
        log.info("%s %s %d %s pid %d", request.method, route, status, took, os.getpid())
        return response
