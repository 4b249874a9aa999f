"""The one HTTP policy for every outbound call (model providers, key checks, Vault, the catalog).

Servers are untrusted, and so is every answer they send:

- **Credentials stay with their origin.** A redirect is followed only to the same scheme, host and port;
  one to another origin is refused (`RedirectRefused`), whatever headers carry the credentials
  (`Authorization`, `x-api-key`, `X-Vault-Token`, any custom one). requests alone strips only
  `Authorization` when the host changes.
- **Answers are bounded.** A body larger than `MAX_RESPONSE_BYTES` is refused (`ResponseTooLarge`) before it
  is held in memory; every call has a timeout.
- **Text from a server is redacted before it is cut.** `excerpt()` removes the caller's secret values (and
  any part of them a server echoes back) and anything key-like, then truncates, so a key can never
  straddle the cut.

Use `new_session()` for every outbound call, and `excerpt()` / `redact()` for every piece of a server's
answer that reaches a message, an exception or a log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from platform_cli import __version__

MAX_RESPONSE_BYTES = 8 * 1024 * 1024
MAX_REDIRECTS = 5
DEFAULT_TIMEOUT = (5.0, 30.0)  # (connect, read) seconds, when a caller gives none
EXCERPT_CHARS = 200
# Kept-alive connections per host: as many as the threads that share a session (an eval run's -j, a
# serving process's workers). requests keeps 10; with more threads every call beyond them opened (and then
# dropped) a connection of its own: a TCP handshake per call, and a new thread on many servers.
POOL_SIZE = 64
_CHUNK = 64 * 1024

# Vendor key formats, bearer tokens and key headers, even partly masked (OpenAI echoes a masked key in 401
# bodies: "sk-proj-abc*****wxyz"). The prefix is kept so a reader knows what kind of value was there.
_KEY_LIKE = re.compile(
    r"(?i)(?P<prefix>\b(?:sk|pk|rk)-(?:ant-|proj-|svcacct-|admin-)?|\bAKIA|\bASIA|\bgh[pousr]_|\bgithub_pat_"
    r"|\bxox[abprs]-|\bAIza|\b[sr]k_live_|\bhv[sbr]\.)[A-Za-z0-9_\-*.]{6,}"
    r"|(?P<bearer>bearer\s+)\S+"
    r"|(?P<header>(?:x-api-key|api-key|x-vault-token|authorization|x-goog-api-key)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+"
)
_TOKEN = re.compile(r"[A-Za-z0-9_\-+/=.*]{8,}")
_MIN_ECHO = 8  # a run of this many characters of a secret, echoed by a server, is redacted too


class RedirectRefused(requests.RequestException):
    """A server redirected to another origin: not followed, so no credential reaches it."""


class ResponseTooLarge(requests.RequestException):
    """A server answered with more than MAX_RESPONSE_BYTES."""


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port made explicit."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def shown_url(url: str) -> str:
    """`url` as messages may show it: no user:password, no query string (keys travel there too)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}"


class PolicySession(requests.Session):
    """A requests.Session that applies the policy above to every request it sends."""

    def __init__(self, *, max_response_bytes: int = MAX_RESPONSE_BYTES) -> None:
        super().__init__()
        self.max_response_bytes = max_response_bytes
        self.max_redirects = MAX_REDIRECTS
        self.headers["User-Agent"] = f"platform-cli/{__version__}"
        self._environment: dict[tuple[Any, ...], Any] = {}

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        """requests' merge of the environment (proxy and CA-bundle variables) with the request's settings,
        done once per origin and settings instead of on every request (where it walks the whole environment
        twice: 2.0 instead of 2.3 ms of client CPU per call to a loopback server). The environment is read
        when the session first calls an origin: a session lives in one process, whose environment is set."""
        key = (
            origin(str(url)), _frozen(proxies), stream, _frozen(verify), _frozen(cert), _frozen(self.proxies),
            self.stream, _frozen(self.verify), _frozen(self.cert), self.trust_env,
        )  # fmt: skip
        settings: Any = self._environment.get(key)
        if settings is None:
            fresh = dict(proxies) if proxies is not None else None
            settings = super().merge_environment_settings(url, fresh, stream, verify, cert)
            if len(self._environment) < _ENVIRONMENT_ENTRIES:
                self._environment[key] = settings
        return {**settings, "proxies": dict(settings["proxies"] or {})}

    def request(  # type: ignore[override]
        self, method: str, url: str, *args: Any, **kwargs: Any
    ) -> requests.Response:
        follow = kwargs.pop("allow_redirects", True)
        kwargs.update(allow_redirects=False, stream=True)
        kwargs.setdefault("timeout", DEFAULT_TIMEOUT)
        response = super().request(method, url, *args, **kwargs)
        hops = 0
        while follow and response.is_redirect:
            target = urljoin(response.url, response.headers.get("location", ""))
            response.close()
            if origin(target) != origin(response.url):
                raise RedirectRefused(
                    f"{shown_url(response.url)} redirected to another origin ({shown_url(target)}); not "
                    "followed, so no credential leaves its origin (point the URL at the final server)",
                    response=response,
                )
            hops += 1
            if hops > self.max_redirects:
                raise requests.TooManyRedirects(
                    f"more than {self.max_redirects} redirects from {shown_url(url)}"
                )
            if response.status_code == 303 or (
                response.status_code in (301, 302) and method.upper() not in ("GET", "HEAD")
            ):
                method = "GET"
                kwargs.pop("data", None)
                kwargs.pop("json", None)
            response = super().request(method, target, *args, **kwargs)
        self._read_bounded(response)
        return response

    def _read_bounded(self, response: requests.Response) -> None:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_response_bytes:
            response.close()
            raise ResponseTooLarge(f"{shown_url(response.url)} answered {declared} bytes", response=response)
        body = bytearray()
        try:
            for chunk in response.iter_content(_CHUNK):
                body += chunk
                if len(body) > self.max_response_bytes:
                    raise ResponseTooLarge(
                        f"{shown_url(response.url)} answered more than {self.max_response_bytes} bytes",
                        response=response,
                    )
        finally:
            response.close()
        response._content = bytes(body)
        setattr(response, "_content_consumed", True)  # noqa: B010 - requests' own flag, not in its stubs


_ENVIRONMENT_ENTRIES = 256  # origins x settings remembered per session (a bound, not a tuning knob)


def _frozen(value: Any) -> Any:
    """A hashable stand-in for a requests setting (a proxies dict, a cert pair, a CA path, a bool)."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), str(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(value)
    return value


def new_session(
    headers: Mapping[str, str] | None = None,
    *,
    verify: bool | str = True,
    max_response_bytes: int | None = None,
) -> PolicySession:
    """A session under the policy; `headers` are sent with every request (credentials included)."""
    session = PolicySession(max_response_bytes=max_response_bytes or MAX_RESPONSE_BYTES)
    adapter = requests.adapters.HTTPAdapter(pool_maxsize=POOL_SIZE)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    if headers:
        session.headers.update(headers)
    session.verify = verify
    return session


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with the given secret values, any run of 8+ of their characters, and anything key-like
    replaced by `***`."""
    values = [s for s in secrets if s and len(s) >= 4]
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, "***")
    if values:
        text = _TOKEN.sub(lambda m: "***" if _echoes(m.group(0), values) else m.group(0), text)
    return _KEY_LIKE.sub(_mask, text)


def _echoes(token: str, secrets: list[str]) -> bool:
    """True when `token` holds 8+ consecutive characters of a secret, or a secret holds the token."""
    for secret in secrets:
        if token in secret:
            return True
        for start in range(0, max(1, len(secret) - _MIN_ECHO + 1)):
            if secret[start : start + _MIN_ECHO] in token:
                return True
    return False


def _mask(match: re.Match[str]) -> str:
    kept = match.group("prefix") or match.group("bearer") or match.group("header") or ""
    return f"{kept}***"


def excerpt(text: str, secrets: Iterable[str] = (), limit: int = EXCERPT_CHARS) -> str:
    """A server's text for a message: redacted FIRST, then cut to `limit` characters, on one line."""
    flat = " ".join(redact(text, secrets).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


__all__ = [
    "DEFAULT_TIMEOUT",
    "EXCERPT_CHARS",
    "MAX_RESPONSE_BYTES",
    "PolicySession",
    "RedirectRefused",
    "ResponseTooLarge",
    "excerpt",
    "new_session",
    "origin",
    "redact",
    "shown_url",
]
