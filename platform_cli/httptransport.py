"""The model providers' transport: httpclient's policy on the standard library's http.client, with a
kept-alive connection pool per origin.

An eval run or a serving process posts thousands of small JSON requests from many threads, and every call
holds the interpreter lock for as long as its client works, which caps how many cases a run keeps in flight.
Client CPU per call against `python -m bench eval-throughput`'s loopback server with 32 threads: requests
~1.6 ms (preparing, merging settings, hooks, cookies), urllib3 alone ~0.7 ms, http.client ~0.35 ms. The
policy is the same as `new_session()`'s:

- a redirect is followed only to the same origin (`RedirectRefused` otherwise), at most MAX_REDIRECTS times;
- an answer over `max_response_bytes` is refused (`ResponseTooLarge`) before it is held, also after
  decompression when a server compresses it unasked;
- every request has a (connect, read) timeout; nothing is retried here (the providers' resilience does it);
- proxy and CA-bundle variables are honoured as requests honours them (HTTP(S)_PROXY, ALL_PROXY, NO_PROXY,
  REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE; certifi's bundle otherwise), read once per transport and origin; TLS
  always verifies the certificate and the host name.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import select
import socket
import ssl
import threading
import urllib.request
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import unquote, urljoin, urlsplit

from platform_cli import __version__
from platform_cli.httpclient import (
    MAX_REDIRECTS,
    MAX_RESPONSE_BYTES,
    POOL_SIZE,
    RedirectRefused,
    ResponseTooLarge,
    origin,
    shown_url,
)

Timeout = tuple[float, float]  # (connect, read) seconds
TransportTimeout = TimeoutError  # no answer in time (socket.timeout)
# could not connect, reset, TLS, proxy, a broken answer, too many hops
TransportError = (OSError, http.client.HTTPException)
_DEFAULT_HEADERS = {"User-Agent": f"platform-cli/{__version__}", "Accept": "*/*"}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class Reply:
    """A complete, bounded answer."""

    status: int
    headers: Mapping[str, str]  # names lower-cased
    content: bytes
    url: str

    def json(self) -> Any:
        """The body as JSON; ValueError when it is not."""
        return json.loads(self.content)


class TooManyRedirects(http.client.HTTPException):
    """More than MAX_REDIRECTS same-origin redirects."""


class PolicyTransport:
    """Thread-safe: one per provider, shared by the threads that call it (a connection serves one call at
    a time)."""

    def __init__(self, *, max_response_bytes: int = MAX_RESPONSE_BYTES, pool_size: int = POOL_SIZE) -> None:
        self.max_response_bytes = max_response_bytes
        self._pool_size = pool_size
        self._routes: dict[tuple[str, str, int | None], _Route] = {}
        self._lock = threading.Lock()
        self._tls: ssl.SSLContext | None = None

    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout: Timeout) -> Reply:
        """POST `body`, following same-origin redirects; raises TransportError / TransportTimeout or the
        policy's RedirectRefused, ResponseTooLarge, TooManyRedirects."""
        method, data = "POST", body  # type: str, bytes | None
        sent = {**_DEFAULT_HEADERS, **headers}
        for _hop in range(MAX_REDIRECTS + 1):
            route = self._route(url)
            conn = route.take(timeout[0])
            try:
                if conn.sock is None:
                    conn.connect()
                    cast(socket.socket, conn.sock).setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                conn.sock.settimeout(timeout[1])
                conn.request(method, route.target(url), body=data, headers={**sent, **route.extra_headers})
                response = conn.getresponse()
                location = response.getheader("location")
                if response.status in _REDIRECTS and location:
                    conn.close()  # a redirect's body is not read at all
                else:
                    content = self._read_bounded(response, url)
                    if response.will_close:
                        conn.close()
                    else:
                        route.give_back(conn)
                    answered = {name.lower(): value for name, value in response.getheaders()}
                    return Reply(response.status, answered, content, url)
            except BaseException:
                conn.close()
                raise
            target = urljoin(url, location)
            if origin(target) != origin(url):
                raise RedirectRefused(
                    f"{shown_url(url)} redirected to another origin ({shown_url(target)}); not followed, so "
                    "no credential leaves its origin (point the URL at the final server)"
                )
            if response.status == 303 or (response.status in (301, 302) and method != "GET"):
                method, data = "GET", None
                sent = {k: v for k, v in sent.items() if k.lower() not in ("content-type", "content-length")}
            url = target
        raise TooManyRedirects(f"more than {MAX_REDIRECTS} redirects from {shown_url(url)}")

    def close(self) -> None:
        with self._lock:
            routes, self._routes = list(self._routes.values()), {}
        for route in routes:
            route.close()

    def _read_bounded(self, response: http.client.HTTPResponse, url: str) -> bytes:
        limit = self.max_response_bytes
        declared = response.getheader("content-length") or ""
        if declared.isdigit() and int(declared) > limit:
            raise ResponseTooLarge(f"{shown_url(url)} answered {declared} bytes")
        content = response.read(limit + 1)
        encoding = (response.getheader("content-encoding") or "identity").strip().lower()
        if encoding in ("gzip", "x-gzip", "deflate") and len(content) <= limit:
            # not asked for (http.client asks for identity), but some proxies compress anyway
            inflater = zlib.decompressobj(47)  # 32 + 15: a gzip or zlib header, whichever it is
            try:
                content = inflater.decompress(content, limit + 1)
            except zlib.error as error:
                raise http.client.HTTPException(f"{shown_url(url)}: a broken {encoding} body") from error
        if len(content) > limit:
            raise ResponseTooLarge(f"{shown_url(url)} answered more than {limit} bytes")
        return content

    def _route(self, url: str) -> _Route:
        key = origin(url)
        route = self._routes.get(key)
        if route is None:
            with self._lock:
                route = self._routes.get(key)
                if route is None:
                    route = self._routes[key] = _Route.of(url, self._pool_size, self._context)
        return route

    def _context(self) -> ssl.SSLContext:
        if self._tls is None:
            bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            if not bundle:
                import certifi

                bundle = certifi.where()
            if os.path.isdir(bundle):
                self._tls = ssl.create_default_context(capath=bundle)
            else:
                self._tls = ssl.create_default_context(cafile=bundle)
        return self._tls


class _Route:
    """How requests to one origin travel (directly, or through a proxy) and its idle connections."""

    def __init__(self, make: Any, *, absolute: bool, extra_headers: dict[str, str], pool_size: int) -> None:
        self._make = make  # (connect timeout) -> a new, unconnected connection
        self.absolute = absolute  # a forwarding proxy gets the whole URL in the request line
        self.extra_headers = extra_headers
        self._idle: list[http.client.HTTPConnection] = []
        self._pool_size = pool_size
        self._lock = threading.Lock()
        self._closed = False

    @classmethod
    def of(cls, url: str, pool_size: int, context: Any) -> _Route:
        parts = urlsplit(url)
        scheme, host, port = origin(url)
        tls = scheme == "https"
        proxy = _proxy_for(url)
        if proxy is None:
            if tls:
                return cls(lambda t: http.client.HTTPSConnection(host, port, timeout=t, context=context()),
                           absolute=False, extra_headers={}, pool_size=pool_size)  # fmt: skip
            return cls(lambda t: http.client.HTTPConnection(host, port, timeout=t),
                       absolute=False, extra_headers={}, pool_size=pool_size)  # fmt: skip
        proxy_parts = urlsplit(proxy if "://" in proxy else "http://" + proxy)
        proxy_host, proxy_port = proxy_parts.hostname or "", proxy_parts.port
        auth: dict[str, str] = {}
        if proxy_parts.username is not None:
            credentials = f"{unquote(proxy_parts.username)}:{unquote(proxy_parts.password or '')}"
            auth["Proxy-Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode()
        proxy_tls = proxy_parts.scheme == "https"
        proxy_port = proxy_port or (443 if proxy_tls else 80)

        def to_proxy(t: float) -> http.client.HTTPConnection:
            if proxy_tls or tls:  # TLS to the proxy itself, or a CONNECT tunnel carrying TLS to the origin
                conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                    proxy_host, proxy_port, timeout=t, context=context()
                )
                if tls:
                    conn.set_tunnel(parts.hostname or "", port, headers=auth)
                return conn
            return http.client.HTTPConnection(proxy_host, proxy_port, timeout=t)

        return cls(to_proxy, absolute=not tls, extra_headers={} if tls else auth, pool_size=pool_size)

    def target(self, url: str) -> str:
        if self.absolute:
            return url
        parts = urlsplit(url)
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    def take(self, connect_timeout: float) -> http.client.HTTPConnection:
        """An idle connection the server has not closed meanwhile, else a new one (the caller connects)."""
        while True:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None:
                made: http.client.HTTPConnection = self._make(connect_timeout)
                return made
            if not _dropped(conn):
                return conn
            conn.close()

    def give_back(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < self._pool_size:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


def _dropped(conn: http.client.HTTPConnection) -> bool:
    """True when an idle kept-alive connection can no longer be used: the server closed it (readable at EOF)
    or sent something unasked."""
    sock = conn.sock
    if sock is None:
        return True
    try:
        if hasattr(select, "poll"):  # any descriptor number (select() stops at 1024)
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return bool(poller.poll(0))
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _proxy_for(url: str) -> str | None:
    """The proxy requests would use for `url` from the environment, or None for a direct connection."""
    proxies = urllib.request.getproxies_environment()
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not proxies or urllib.request.proxy_bypass(host):
        return None
    return proxies.get(parts.scheme.lower()) or proxies.get("all") or None


__all__ = ["PolicyTransport", "Reply", "TooManyRedirects", "TransportError", "TransportTimeout"]
