"""Parse state-store URLs (sqlite:///path, postgresql://...) and redact the passwords they may carry."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from platform_cli.store.errors import StoreError

Dialect = Literal["sqlite", "postgresql"]

URL_FORMS = (
    "sqlite:///relative/path.db (relative to the current directory), sqlite:////absolute/path.db, "
    "sqlite:///:memory:, or postgresql://user:password@host:5432/dbname"
)
_POSTGRES_SCHEMES = ("postgresql://", "postgres://")
_QUERY_PASSWORD = re.compile(r"(?i)((?:^|[?&])password=)([^&#]*)")


@dataclass(frozen=True)
class StoreURL:
    """A parsed store URL. `str()` and `repr()` show only the redacted form."""

    dialect: Dialect
    redacted: str
    # For SQLite an absolute filesystem path (or ":memory:"); for PostgreSQL the libpq connection URI.
    target: str = field(repr=False)
    # Every secret found in the URL, scrubbed from any driver message we pass on.
    secrets: tuple[str, ...] = field(default=(), repr=False)

    def __str__(self) -> str:
        return self.redacted

    def scrub(self, message: str) -> str:
        """Return `message` with every secret from this URL replaced by ***."""
        for secret in self.secrets:
            message = message.replace(secret, "***")
        return message


def redact_url(url: str) -> str:
    """`postgresql://user:pw@host/db?password=pw` -> `postgresql://user:***@host/db?password=***`."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    # Split at the LAST @: passwords may hold an unencoded @ or /; an @ later in the URL can only make
    # us hide more than the password, never less.
    userinfo, at_sign, tail = rest.rpartition("@")
    if at_sign and ":" in userinfo:
        rest = f"{userinfo.split(':', 1)[0]}:***@{tail}"
    return scheme + sep + _QUERY_PASSWORD.sub(_hide_value, rest)


def _hide_value(match: re.Match[str]) -> str:
    return f"{match.group(1)}***"


def _url_secrets(url: str) -> tuple[str, ...]:
    found: list[str] = []
    userinfo, at_sign, _ = url.partition("://")[2].rpartition("@")
    if at_sign and ":" in userinfo:
        found.append(userinfo.split(":", 1)[1])
    found += [match.group(2) for match in _QUERY_PASSWORD.finditer(url.partition("?")[2])]
    found += [unquote(secret) for secret in found]
    # Longest first, so a secret that contains another is replaced whole.
    return tuple(sorted({secret for secret in found if secret}, key=len, reverse=True))


def parse_url(url: str, *, cwd: Path | None = None) -> StoreURL:
    """Parse a store URL; relative SQLite paths resolve against `cwd` (default: the current directory)."""
    text = url.strip()
    if not text:
        raise StoreError(f"empty state store URL; use {URL_FORMS}")
    redacted = redact_url(text)
    if text.startswith("sqlite:///"):
        raw_path = text[len("sqlite:///") :]
        if not raw_path or raw_path == "/":
            raise StoreError(f"{redacted}: no database path after sqlite:///; use {URL_FORMS}")
        if "?" in raw_path or "#" in raw_path:
            raise StoreError(f"{redacted}: SQLite URLs take no query parameters; use {URL_FORMS}")
        if raw_path == ":memory:":
            return StoreURL("sqlite", redacted, ":memory:")
        path = Path(os.path.expanduser(raw_path))
        if not path.is_absolute():
            path = (cwd or Path.cwd()) / path
        return StoreURL("sqlite", redacted, str(path))
    if text.startswith("sqlite:"):
        raise StoreError(f"{redacted}: a SQLite URL starts with three slashes; use {URL_FORMS}")
    if text.startswith(_POSTGRES_SCHEMES):
        try:
            parts = urlsplit(text)
            _ = parts.port  # validates the port
        except ValueError as error:
            raise StoreError(f"{redacted}: not a valid PostgreSQL URL ({error}); use {URL_FORMS}") from None
        return StoreURL("postgresql", redacted, text, _url_secrets(text))
    scheme = text.partition("://")[0] if "://" in text else text.partition(":")[0]
    hint = ""
    if scheme.startswith(("postgresql+", "postgres+", "sqlite+")):
        hint = f" (drop the driver suffix: {scheme.split('+')[0]}://...)"
    raise StoreError(f"{redacted}: unsupported state store URL scheme {scheme!r}{hint}; use {URL_FORMS}")
