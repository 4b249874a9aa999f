"""Serve pages rebuilt on every request (the live dashboard) from a small threaded HTTP server.

Binds 127.0.0.1 unless told otherwise; GET `/` is the page, `/healthz` says ok, anything else is 404.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prometheus_client.registry import CollectorRegistry

log = logging.getLogger("platform_cli.cost")


def make_server(build: Callable[[], str], host: str = "127.0.0.1", port: int = 8050) -> ThreadingHTTPServer:
    """A server whose `/` answers with `build()` (HTML) at each request. Call serve_forever() on it."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/healthz":
                self._send(200, b"ok\n", "text/plain; charset=utf-8")
                return
            if path not in ("/", "/index.html"):
                self._send(404, b"not found\n", "text/plain; charset=utf-8")
                return
            try:
                body = build().encode("utf-8")
            except Exception as error:  # a store outage must not kill the server; say so and go on
                log.warning("dashboard build failed: %s", error)
                self._send(503, f"dashboard unavailable: {type(error).__name__}\n".encode(), "text/plain")
                return
            self._send(200, body, "text/html; charset=utf-8")

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("%s " + format, self.address_string(), *args)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def make_metrics_server(
    registry: CollectorRegistry, host: str = "127.0.0.1", port: int = 9464
) -> ThreadingHTTPServer:
    """prometheus-client's own exposition handler (GET /metrics) on a threaded server."""
    from prometheus_client.exposition import MetricsHandler

    handler = MetricsHandler.factory(registry)
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
