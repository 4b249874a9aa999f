"""The model providers' transport: httpclient's policy, on urllib3 without requests' layers on top.

An eval run or a serving process posts thousands of small JSON requests; requests spends about 1.6 ms of
client CPU on each (preparing, merging settings, hooks, cookies), urllib3 alone about 0.7 ms (measured with
`python -m bench eval-throughput`'s loopback server and 32 threads). Every call holds the interpreter lock
for that long, so it caps how many cases a run keeps in flight. The policy is the same as `new_session()`:

- a redirect is followed only to the same origin (`RedirectRefused` otherwise), at most MAX_REDIRECTS times;
- an answer over `max_response_bytes` is refused (`ResponseTooLarge`) before it is held;
- every request has a (connect, read) timeout; nothing is retried here (the providers' resilience does it);
- proxy and CA-bundle variables are honoured as requests honours them (HTTP(S)_PROXY, ALL_PROXY, NO_PROXY,
  REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE; certifi's bundle otherwise), read once per transport per origin.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import urllib3

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
TransportTimeout = urllib3.exceptions.TimeoutError  # no answer in time
# could not connect, reset, TLS, proxy, too many hops
TransportError = (urllib3.exceptions.HTTPError, OSError)
_DEFAULT_HEADERS = {
    "User-Agent": f"platform-cli/{__version__}",
    "Accept-Encoding": "gzip, deflate",
    "Accept": "*/*",
}


@dataclass(frozen=True)
class Reply:
    """A complete, bounded answer."""

    status: int
    headers: Mapping[str, str]  # case-insensitive
    content: bytes
    url: str

    def json(self) -> Any:
        """The body as JSON; ValueError when it is not."""
        return json.loads(self.content)


class TooManyRedirects(urllib3.exceptions.HTTPError):
    """More than MAX_REDIRECTS same-origin redirects."""


class PolicyTransport:
    """Thread-safe: one per provider, shared by the threads that call it (kept-alive pools per origin)."""

    def __init__(self, *, max_response_bytes: int = MAX_RESPONSE_BYTES, pool_size: int = POOL_SIZE) -> None:
        self.max_response_bytes = max_response_bytes
        self._pool_size = pool_size
        self._managers: dict[str | None, urllib3.PoolManager] = {}  # proxy URL (None: direct) -> pools
        # origin -> its connection pool (direct) or the proxy's manager
        self._routes: dict[tuple[str, str, int | None], urllib3.PoolManager | urllib3.HTTPConnectionPool] = {}
        self._lock = threading.Lock()

    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout: Timeout) -> Reply:
        """POST `body`, following same-origin redirects; raises TransportError / TransportTimeout or the
        policy's RedirectRefused, ResponseTooLarge, TooManyRedirects."""
        method, data = "POST", body  # type: str, bytes | None
        sent = {**_DEFAULT_HEADERS, **headers}
        limits = urllib3.Timeout(connect=timeout[0], read=timeout[1])
        for _hop in range(MAX_REDIRECTS + 1):
            opener, target = self._opener(url)
            response = opener.urlopen(
                method, target, body=data, headers=sent, timeout=limits, retries=False, redirect=False,
                preload_content=False, assert_same_host=False,
            )  # fmt: skip
            location = response.headers.get("location")
            if response.status not in (301, 302, 303, 307, 308) or not location:
                return Reply(response.status, response.headers, self._read_bounded(response, url), url)
            response.close()  # not drained: a redirect's body is not read at all
            response.release_conn()
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
            managers, self._managers = list(self._managers.values()), {}
            self._routes = {}
        for manager in managers:
            manager.clear()

    def _read_bounded(self, response: urllib3.BaseHTTPResponse, url: str) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_response_bytes:
            response.close()
            raise ResponseTooLarge(f"{shown_url(url)} answered {declared} bytes")
        try:
            content = response.read(self.max_response_bytes + 1, decode_content=True)
            if len(content) > self.max_response_bytes:
                response.close()
                raise ResponseTooLarge(f"{shown_url(url)} answered more than {self.max_response_bytes} bytes")
        except BaseException:
            response.close()
            raise
        response.release_conn()
        return content

    def _opener(self, url: str) -> tuple[urllib3.PoolManager | urllib3.HTTPConnectionPool, str]:
        """What sends a request to `url`, and the URL it is given: a direct origin's connection pool with
        the path (no per-request parse and pool lookup), else the proxy's manager with the whole URL."""
        key = origin(url)
        route = self._routes.get(key)
        if route is None:
            with self._lock:
                route = self._routes.get(key)
                if route is None:
                    route = self._routes[key] = self._route(url)
        if isinstance(route, urllib3.HTTPConnectionPool):
            parts = urlsplit(url)
            return route, (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return route, url

    def _route(self, url: str) -> urllib3.PoolManager | urllib3.HTTPConnectionPool:
        proxy = _proxy_for(url)
        manager = self._managers.get(proxy)
        if manager is None:
            manager = self._managers[proxy] = _new_manager(proxy, self._pool_size)
        return manager.connection_from_url(url) if proxy is None else manager


def _proxy_for(url: str) -> str | None:
    """The proxy requests would use for `url` from the environment, or None for a direct connection."""
    proxies = urllib.request.getproxies_environment()
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not proxies or urllib.request.proxy_bypass(host):
        return None
    return proxies.get(parts.scheme.lower()) or proxies.get("all") or None


def _new_manager(proxy: str | None, pool_size: int) -> urllib3.PoolManager:
    tls: dict[str, Any] = {}
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if not bundle:
        import certifi

        bundle = certifi.where()
    tls["ca_cert_dir" if os.path.isdir(bundle) else "ca_certs"] = bundle
    if proxy is None:
        return urllib3.PoolManager(maxsize=pool_size, block=False, cert_reqs="CERT_REQUIRED", **tls)
    if "://" not in proxy:
        proxy = "http://" + proxy
    parts = urlsplit(proxy)
    proxy_headers: dict[str, str] = {}
    if parts.username is not None:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        proxy_headers["Proxy-Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode()
        proxy = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
    return urllib3.ProxyManager(
        proxy, proxy_headers=proxy_headers, maxsize=pool_size, block=False, cert_reqs="CERT_REQUIRED", **tls
    )


__all__ = ["PolicyTransport", "Reply", "TooManyRedirects", "TransportError", "TransportTimeout"]
