"""The `state` fact: where this feature keeps its state (labels, eval runs, drills, usage), and whether that
store is shared (PostgreSQL: every laptop, CI job and replica sees the same one) or a local file."""

from __future__ import annotations

from typing import Any

from platform_cli.errors import PlatformError
from platform_cli.readiness.facts.base import Fact, RepoContext
from platform_cli.readiness.facts.support import MANIFEST_FILE, first_line, manifest_or_missing

_SCHEMES = {"sqlite:": "sqlite", "postgresql:": "postgresql", "postgres:": "postgresql"}


class StateCollector:
    """`state`: {lifecycle, written, source, references, url, dialect, shared, local_path, problem}.

    `written` is the URL as written (never a value read from a secret or the environment); `source` says
    where it comes from (PLATFORM_STATE_URL, spec.state.url, default); `url` is the resolved URL with any
    password hidden; `shared` is True for PostgreSQL. A URL that cannot be resolved (a ${NAME} that is not
    set) makes the fact unknown for a production feature, whose gate depends on it; otherwise `problem`
    says why and `shared` is None.
    """

    name = "state"

    def collect(self, ctx: RepoContext) -> Fact:
        from platform_cli.manifest import resolve_state_url, state_source
        from platform_cli.secrets import state_url_secrets
        from platform_cli.store import redact_url

        manifest, missing = manifest_or_missing(ctx, self.name)
        if missing is not None:
            return missing
        source = state_source(manifest)
        line = first_line(manifest, ("spec", "state", "url"), ("spec", "state"), ("spec", "lifecycle"))
        value: dict[str, Any] = {
            "lifecycle": manifest.lifecycle,
            "written": source.written,
            "source": source.source,
            "references": list(source.references),
            "url": None,
            "dialect": None,
            "shared": None,
            "local_path": None,
            "problem": None,
            "file": MANIFEST_FILE,
            "line": line,
        }
        try:
            url = resolve_state_url(manifest, secret=state_url_secrets(manifest))
        except PlatformError as exc:
            if manifest.lifecycle == "production":
                return Fact.missing(self.name, str(exc), file=MANIFEST_FILE)
            value["problem"] = str(exc)
            return Fact(self.name, value, file=MANIFEST_FILE, line=line)
        dialect = next((d for prefix, d in _SCHEMES.items() if url.startswith(prefix)), None)
        value.update(
            url=redact_url(url),
            dialect=dialect,
            shared=dialect == "postgresql",
            local_path=url[len("sqlite:///") :] if dialect == "sqlite" else None,
        )
        return Fact(self.name, value, file=MANIFEST_FILE, line=line)
