"""The `prompt_labels` fact: for every prompt file, where its `production` label points in the state store.

Reads the store named by ai-feature.yaml (or $PLATFORM_STATE_URL) without creating or migrating it. A shared
store that was never written simply has no labels yet; a local SQLite file that does not exist here (a fresh
clone, a CI runner) makes the fact unknown: labels published elsewhere cannot be seen from it, and advice
to publish into it would write to a throwaway store.
"""

from __future__ import annotations

from typing import Any

from platform_cli.errors import PlatformError
from platform_cli.readiness.facts.base import Fact, RepoContext
from platform_cli.readiness.facts.scans import prompt_files
from platform_cli.readiness.facts.support import manifest_or_missing


class PromptLabelsCollector:
    """`prompt_labels`: {store, store_exists, count, prompts: [item]}.

    item: {name, file, line, state, production, file_version, latest, next_version, problem} where
    state is matches | older | ahead | unpublished | no-label | invalid (see prompts.overview): matches,
    the file is the production version; older, production is an older published version than the
    file's own (published, explicitly not yet promoted); ahead, production is newer than the file.
    """

    name = "prompt_labels"

    def collect(self, ctx: RepoContext) -> Fact:
        from platform_cli.prompts.config import existing_store, settings_for
        from platform_cli.prompts.overview import status_of
        from platform_cli.secrets import state_url_secrets
        from platform_cli.store import redact_url

        manifest, missing = manifest_or_missing(ctx, self.name)
        if missing is not None:
            return missing
        try:
            settings = settings_for(manifest, state_url_secrets(manifest))
            files = prompt_files(ctx.tracked_files)
            store = existing_store(settings.state_url)
        except (PlatformError, OSError) as exc:
            return Fact.missing(
                self.name,
                f"cannot read the prompt registry: {exc} (check that the store is up and that "
                "PLATFORM_STATE_URL, or spec.state.url and the secrets it names, are set where this runs)",
            )
        if store is None and files and _local_file(settings.state_url):
            reason = _no_local_store(redact_url(settings.state_url), manifest.lifecycle)
            return Fact.missing(self.name, reason)
        try:
            items: list[dict[str, Any]] = []
            for name, rel in sorted(files.items()):
                status = status_of(store, settings.root, settings.prompts_dir, name)
                items.append(
                    {
                        "name": name,
                        "file": rel,
                        "line": 1,
                        "state": status.production_state,
                        "production": status.production,
                        "file_version": status.file_version,
                        "latest": status.latest,
                        "next_version": status.file_version or (status.latest or 0) + 1,
                        "problem": status.problem,
                    }
                )
        except PlatformError as exc:
            return Fact.missing(self.name, f"cannot read the prompt registry: {exc}")
        finally:
            if store is not None:
                store.close()
        value = {
            "store": redact_url(settings.state_url),
            "store_exists": store is not None,
            "count": len(items),
            "prompts": items,
        }
        return Fact(self.name, value)


def _local_file(url: str) -> bool:
    return url.startswith("sqlite:///") and not url.endswith(":memory:")


def _no_local_store(url: str, lifecycle: str) -> str:
    where = "a local file is read only by the machine that wrote it: " + (
        'share this production feature\'s state (set spec.state.url to "${PLATFORM_STATE_URL}" and '
        "the CI secret PLATFORM_STATE_URL to the team's PostgreSQL; rule state-shared), then publish "
        "and promote the prompts against it"
        if lifecycle == "production"
        else "publish from the machine that holds the feature's state (`platform prompts publish`, "
        "then `platform prompts promote NAME VERSION --label production --reason ...`), or share "
        "state in PostgreSQL (spec.state.url) so CI sees the labels"
    )
    return (
        f"no state store here: {url} does not exist, so nothing was published from this checkout (a "
        f"fresh clone or a CI runner starts without it); {where}"
    )
