"""Where the Backstage catalog is and how to authenticate: $BACKSTAGE_URL / $BACKSTAGE_TOKEN, else config.

The token is kept in a `Secret`, which never prints itself; only the HTTP client reveals it, into the
Authorization header of requests to the configured origin.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from platform_cli.config import config_path, load_config
from platform_cli.errors import UserError
from platform_cli.secretvalue import Secret

URL_ENV = "BACKSTAGE_URL"
TOKEN_ENV = "BACKSTAGE_TOKEN"


@dataclass(frozen=True)
class CatalogSettings:
    """The catalog's base URL (scheme://host[:port][/prefix], no trailing slash) and its token."""

    url: str
    token: Secret | None
    source: str  # where the URL was set, for messages: "$BACKSTAGE_URL" or the config file


def catalog_settings(environ: dict[str, str] | None = None) -> CatalogSettings | None:
    """The configured catalog, or None when no URL is set anywhere. A malformed URL is bad input (exit 2)."""
    import os

    env = dict(os.environ) if environ is None else environ
    config = load_config()
    if env.get(URL_ENV):
        url, source = env[URL_ENV], f"${URL_ENV}"
    elif config.backstage_url:
        url, source = config.backstage_url, f"{config_path()} (backstage.url)"
    else:
        return None
    token_text = env.get(TOKEN_ENV) or config.backstage_token
    token = Secret(TOKEN_ENV, token_text) if token_text else None
    return CatalogSettings(url=_checked_url(url, source), token=token, source=source)


def require_settings(environ: dict[str, str] | None = None) -> CatalogSettings:
    """The configured catalog; a UserError saying how to configure one when none is."""
    settings = catalog_settings(environ)
    if settings is None:
        raise UserError(
            f"no Backstage URL configured: set ${URL_ENV} (and ${TOKEN_ENV}), or `backstage: {{url: ..., "
            f"token: ...}}` in {config_path()}"
        )
    return settings


def _checked_url(url: str, source: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(
            f"{source}: {url!r} is not an http(s) URL; give the Backstage base URL, "
            "e.g. https://backstage.example.com"
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise UserError(
            f"{source}: the Backstage URL must not carry credentials, a query or a fragment; "
            f"put the token in ${TOKEN_ENV}"
        )
    return url.strip().rstrip("/")
