"""What the HTTP adapters share: one policy transport, timeouts, per-request keys, errors without secrets."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from platform_cli.errors import PlatformError
from platform_cli.httpclient import RedirectRefused, ResponseTooLarge, excerpt, redact
from platform_cli.httptransport import (
    PolicyTransport,
    Reply,
    TransportError,
    TransportTimeout,
)
from platform_cli.providers.base import FailureKind, ProviderError
from platform_cli.providers.resilience import parse_retry_after
from platform_cli.secretvalue import Secret

KeySource = Callable[[], Secret]
DEFAULT_TIMEOUT_S = 30.0
CONNECT_TIMEOUT_S = 5.0
EXCERPT_CHARS = 200


def api_url(base_url: str, path: str) -> str:
    """`{base_url}/v1/...`; a base_url that already ends in /v1 (as OpenAI documents it) is not doubled."""
    base = base_url.rstrip("/")
    if base.endswith("/v1"):
        base = base[: -len("/v1")]
    return f"{base}{path}"


class HTTPProvider:
    """Base of the HTTP adapters: one `PolicyTransport` per provider, POST JSON, map failures to kinds.

    The API key is read from `key` (the secrets layer) at every request, so a rotation applies without a
    restart; on a 401 the previous key (during its grace period) is tried once.
    """

    kind = "http"
    path = "/"  # where completions are posted, under the base URL (see api_url)
    models_path = "/v1/models"  # the models list: what a key check calls, under the same base URL
    default_base_url: str | None = None  # None: the manifest must give base_url

    def __init__(
        self,
        name: str,
        model: str,
        *,
        base_url: str,
        key: KeySource | None,
        timeout_s: float | None = None,
        transport: PolicyTransport | None = None,
    ) -> None:
        self.name = name
        self.model = model
        self.base_url = base_url
        self.url = api_url(base_url, self.path)
        self.timeout_s = timeout_s or DEFAULT_TIMEOUT_S
        self._key = key
        self.transport = transport or PolicyTransport()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, model={self.model!r}, url={self.url!r})"

    def close(self) -> None:
        self.transport.close()

    # --- for subclasses ----------------------------------------------------------------------------------
    @staticmethod
    def auth_headers(key: str) -> dict[str, str]:
        """The headers that carry `key` (the runtime's requests and the key checks send the same)."""
        raise NotImplementedError

    @classmethod
    def models_url(cls, base_url: str | None) -> str | None:
        """The models-list URL of the server at `base_url` (else the vendor's), beside `path`."""
        base = base_url or cls.default_base_url
        return api_url(base, cls.models_path) if base else None

    def error_message(self, body: Any) -> str | None:
        """The vendor's error text from a JSON error body (both vendors nest it under `error.message`)."""
        error = body.get("error") if isinstance(body, dict) else None
        message = error.get("message") if isinstance(error, dict) else None
        return message if isinstance(message, str) else None

    # --- the request -------------------------------------------------------------------------------------
    def post(self, body: Mapping[str, Any]) -> tuple[dict[str, Any], float]:
        """POST `body`; return the JSON object answered and the seconds it took. Raises ProviderError."""
        secret = self._secret()
        started = time.perf_counter()
        response = self._send(body, secret)
        if response.status == 401 and secret is not None and secret.previous is not None:
            response = self._send(body, secret.previous)  # rotated key not live yet at the vendor
        latency = time.perf_counter() - started
        if response.status >= 400:
            raise self._http_error(response, secret)
        try:
            data = response.json()
        except ValueError:
            raise self._failure(
                "malformed", f"HTTP {response.status} with a body that is not JSON", response
            ) from None
        if not isinstance(data, dict):
            raise self._failure("malformed", "the JSON answer is not an object", response)
        return data, latency

    def _secret(self) -> Secret | None:
        if self._key is None:
            return None
        try:
            return self._key()
        except PlatformError as error:
            raise ProviderError(self.name, f"API key unavailable: {error}", kind="auth") from None

    def _send(self, body: Mapping[str, Any], secret: Secret | None) -> Reply:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers.update(self.auth_headers(secret.reveal()))
        try:
            return self.transport.post(
                self.url,
                json.dumps(body).encode(),
                headers,
                (min(CONNECT_TIMEOUT_S, self.timeout_s), self.timeout_s),
            )
        except TransportTimeout:
            failure = ProviderError(self.name, f"no answer within {self.timeout_s:g}s", kind="timeout")
        except (RedirectRefused, ResponseTooLarge) as error:
            # the server's own words stay out; the policy's message names origins, never headers
            kind: FailureKind = "client" if isinstance(error, RedirectRefused) else "malformed"
            failure = ProviderError(self.name, redact(str(error)), kind=kind)
        except TransportError as error:
            # Only the error's type: its text may name the URL (and a key in a query string).
            failure = ProviderError(
                self.name, f"connection failed: {type(error).__name__}", kind="connection"
            )
        raise failure

    def _http_error(self, response: Reply, secret: Secret | None) -> ProviderError:
        status = response.status
        kind: FailureKind
        if status == 429:
            kind = "rate_limit"
        elif status in (401, 403):
            kind = "auth"
        elif status >= 500 or status in (408, 409):
            kind = "server"
        else:
            kind = "client"
        try:
            detail = self.error_message(response.json())
        except ValueError:
            detail = None
        secrets = () if secret is None else tuple(s.reveal() for s in (secret, secret.previous) if s)
        # redacted BEFORE it is cut: a key straddling the cut must not leave half of itself behind
        message = f"HTTP {status}" + (f": {excerpt(detail, secrets, EXCERPT_CHARS)}" if detail else "")
        return ProviderError(
            self.name,
            message,
            kind=kind,
            status=status,
            retry_after_s=parse_retry_after(response.headers),
        )

    def _failure(self, kind: FailureKind, message: str, response: Reply) -> ProviderError:
        return ProviderError(self.name, message, kind=kind, status=response.status)


def malformed(provider: str, what: str) -> ProviderError:
    """A 2xx answer without the fields the wire format promises."""
    return ProviderError(provider, f"malformed answer: {what}", kind="malformed")


def as_object(value: Any) -> dict[str, Any]:
    """A JSON object from an answer, or {} when absent / null / another type."""
    return value if isinstance(value, dict) else {}


def as_int(value: Any) -> int:
    """A token count from JSON (absent / null -> 0)."""
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0
