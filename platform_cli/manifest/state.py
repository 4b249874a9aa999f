"""The state store URL a feature uses: $PLATFORM_STATE_URL, else spec.state.url with its ${NAME} references
filled in, else the local SQLite default.

`${NAME}` is read like any other secret: from the backend of the secret NAME when spec.secrets declares it
(the caller passes a reader for that), else from the environment variable NAME. A reference that is the
whole URL (`${PLATFORM_STATE_URL}`) is used as is; one inside a URL's user:password part is percent-encoded,
so a password with `@` or `/` cannot change where the URL points. Values are never shown: messages name the
reference, and the URL as written.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from platform_cli.errors import UserError
from platform_cli.manifest.model import DEFAULT_STATE_URL, Manifest

ENV_OVERRIDE = "PLATFORM_STATE_URL"
REFERENCE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")

SecretLookup = Callable[[str], str]


@dataclass(frozen=True)
class StateSource:
    """Where the state URL comes from, before anything is read: for messages and the readiness fact."""

    written: str  # as written: the env override's name, spec.state.url, or the default
    source: str  # "PLATFORM_STATE_URL" | "spec.state.url" | "default"
    references: tuple[str, ...]  # the ${NAME}s the written URL needs


def state_source(manifest: Manifest, env: Mapping[str, str] = os.environ) -> StateSource:
    if env.get(ENV_OVERRIDE):
        return StateSource(f"${ENV_OVERRIDE}", ENV_OVERRIDE, ())
    declared = "state" in manifest.data.get("spec", {}) and manifest.state_url != DEFAULT_STATE_URL
    source = "spec.state.url" if declared else "default"
    return StateSource(manifest.state_url, source, tuple(REFERENCE.findall(manifest.state_url)))


def state_secret_references(manifest: Manifest) -> list[str]:
    """The `${NAME}`s of the state URL that name a secret spec.secrets declares (read from its backend)."""
    return [name for name in state_source(manifest).references if manifest.secret(name) is not None]


def resolve_state_url(
    manifest: Manifest, env: Mapping[str, str] = os.environ, secret: SecretLookup | None = None
) -> str:
    """The state store URL to use: $PLATFORM_STATE_URL, else spec.state.url (references filled in).

    A relative SQLite path (`sqlite:///.platform/state.db`) is made absolute against the repository root
    (the manifest's directory), so the store is the same whichever directory a command runs from.
    Absolute SQLite paths are written with four slashes: `sqlite:////var/lib/state.db`.
    `secret(NAME)` reads a secret spec.secrets declares (default: the environment variable NAME only).
    Raises UserError naming the reference when one is not set.
    """
    url = env.get(ENV_OVERRIDE) or expand_references(manifest, env, secret)
    return absolute_sqlite_url(url, manifest.root)


def expand_references(
    manifest: Manifest, env: Mapping[str, str] = os.environ, secret: SecretLookup | None = None
) -> str:
    written = manifest.state_url
    whole = REFERENCE.fullmatch(written) is not None
    userinfo_end = written.rfind("@")

    def value_of(match: re.Match[str]) -> str:
        name = match.group(1)
        value = secret(name) if secret is not None and manifest.secret(name) is not None else env.get(name)
        if not value:
            raise UserError(unset_message(manifest, name))
        in_userinfo = not whole and match.start() < userinfo_end
        return quote(value, safe="") if in_userinfo else value

    return REFERENCE.sub(value_of, written)


def unset_message(manifest: Manifest, name: str) -> str:
    line = manifest.line_of(["spec", "state", "url"])
    where = f"{manifest.display}:{line}" if line else manifest.display
    declared = manifest.secret(name)
    if declared is not None:
        how = (
            f"it is declared in spec.secrets ({declared.backend}) but has no value there: run "
            f"`platform secrets rotate {name} --stdin`"
        )
    else:
        how = (
            f"export {name}=postgresql://USER:PASSWORD@HOST:5432/DBNAME (the team's shared store; in CI, "
            f"the repository secret {name}, see the README's 'Shared state'), or, for a throwaway local "
            f"store, {ENV_OVERRIDE}=sqlite:///.platform/state.db"
        )
    return f"{where}: spec.state.url needs ${{{name}}}, which is not set: {how}"


def absolute_sqlite_url(url: str, root: Path) -> str:
    """`url` with a relative sqlite:/// path made absolute against `root`; other URLs unchanged."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return url
    rest = url[len(prefix) :]
    location, sep, query = rest.partition("?")
    if not location or location.startswith("/") or location == ":memory:":
        return url
    from platform_cli.onepass import resolved

    absolute = Path(os.path.normpath(resolved(root) / location)).as_posix()
    return f"{prefix}{absolute}{sep}{query}"
