"""Staging a drill in its scratch store: which prompt, the drill version, where it serves, its baseline."""

from __future__ import annotations

from dataclasses import dataclass

from platform_cli.errors import UserError
from platform_cli.prompts.defaults import DEFAULT_LABEL
from platform_cli.prompts.files import PromptFile, load_prompt, prompt_names
from platform_cli.prompts.labels import promote
from platform_cli.prompts.portfolio import allocate, allocation_of
from platform_cli.prompts.versions import as_prompt, publish
from platform_cli.rollback.drill_traffic import DRILL_MARKER
from platform_cli.rollback.plan import CANARY_LABEL
from platform_cli.rollback.project import Project
from platform_cli.store import Store
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.evals import BaselineRecord, EvalRunRecord

SCENARIOS = ("canary", "production")


@dataclass(frozen=True)
class Stage:
    prompt: str
    production: int
    drill: int
    suite: str | None  # the eval suite whose baseline the drill version got (None: production had none)

    def production_prompt(self, store: Store) -> PromptFile:
        record = store.prompt_version(self.prompt, self.production)
        if record is None:  # a label points only at published versions, and versions are never deleted
            raise UserError(f"prompt '{self.prompt}' v{self.production} is missing from the scratch copy")
        return as_prompt(record)


def choose_prompt(project: Project, store: Store | None, name: str | None) -> str:
    """The named prompt, else the first with a production label in the store, else the first file."""
    files = prompt_names(project.root / "prompts")
    if name is not None:
        if name not in files and (store is None or store.latest_prompt_version(name) is None):
            raise UserError(f"--prompt {name}: no prompts/{name}.yaml and nothing published under that name")
        return name
    for candidate in files:
        if store is not None and store.prompt_label(candidate, DEFAULT_LABEL) is not None:
            return candidate
    if not files:
        raise UserError(f"no prompt to drill: {project.root / 'prompts'} has no prompt file")
    return files[0]


def drill_content(prompt: PromptFile, drill_id: str) -> PromptFile:
    """The production content with a marker appended to its last message (so its answers differ)."""
    content = prompt.content()
    marker = "\n" + DRILL_MARKER.format(drill_id=drill_id)
    if "template" in content:
        content["template"] += marker
    else:
        content["messages"][-1]["content"] += marker
    return PromptFile.from_content(prompt.name, content, version=None)


def _day_zero(scratch: Store, project: Project, prompt: str, actor: str, why: str) -> int:
    """Publish `prompt` from its file and point production at it, as CI does on day 0."""
    first = publish(scratch, load_prompt(project.root / "prompts", prompt), author=actor, message=why)
    promote(scratch, prompt, first.version, DEFAULT_LABEL, author=actor, reason=why)
    return first.version


def publish_the_rest(scratch: Store, project: Project, actor: str, drill_id: str) -> None:
    """Every other prompt file with no production version in the scratch copy is published there from its
    file: a feature's replicas refuse to start against a shared store holding an unpublished prompt."""
    for name in prompt_names(project.root / "prompts"):
        if scratch.prompt_label(name, DEFAULT_LABEL) is None:
            _day_zero(scratch, project, name, actor, f"rollback drill {drill_id}")


def stage_versions(
    scratch: Store, project: Project, prompt: str, scenario: str, actor: str, drill_id: str
) -> tuple[int, int]:
    """Production (published from the file on day 0) and the drill version on its canary or production."""
    why = f"rollback drill {drill_id}"
    production = scratch.prompt_label(prompt, DEFAULT_LABEL)
    if production is None:
        production = _day_zero(scratch, project, prompt, actor, why)
    record = scratch.prompt_version(prompt, production)
    assert record is not None  # a label points only at published versions
    drill = publish(scratch, drill_content(as_prompt(record), drill_id), author=actor, message=why).version
    if scenario == "production":
        promote(scratch, prompt, drill, DEFAULT_LABEL, author=actor, reason=why)
    else:
        promote(scratch, prompt, drill, CANARY_LABEL, author=actor, reason=why)
        current = allocation_of(scratch.prompt_allocation(prompt, "*"))
        held = sum(len(v.buckets) for v in current.variants if v.name != CANARY_LABEL) if current else 0
        if held >= 10_000:
            raise UserError(f"prompt '{prompt}': its allocation leaves no traffic for a drill canary")
        allocate(scratch, prompt, {CANARY_LABEL: min(5_000, 10_000 - held)}, author=actor, reason=why)
    return production, drill


def drill_baseline(
    scratch: Store, prompt: str, production: int, drill: int, drill_id: str, actor: str
) -> str | None:
    """When production's version has a baseline, give the drill version one too; return that suite."""
    for suite in scratch.baseline_suites(prompt):
        if scratch.eval_baseline_of_version(prompt, suite, production) is None:
            continue
        run_id, now = f"{drill_id}-{suite}", utc_timestamp()
        scratch.add_eval_run(
            EvalRunRecord(run_id, "drill", suite, "drill", prompt, drill, None, f"version:{drill}", None,
                          None, "drill", 0, 1, "finished", now, now, "{}", "pass", None, None, actor, True)
        )  # fmt: skip
        scratch.add_eval_baseline(BaselineRecord(0, prompt, suite, run_id, drill, None, now, actor, "drill"))
        return suite
    return None


def stage(scratch: Store, project: Project, prompt: str, scenario: str, actor: str, drill_id: str) -> Stage:
    """Production and the drill version in place (and a baseline of it when production has one)."""
    if scenario not in SCENARIOS:
        raise UserError(f"--scenario {scenario!r}: use one of {', '.join(SCENARIOS)}")
    production, drill = stage_versions(scratch, project, prompt, scenario, actor, drill_id)
    return Stage(
        prompt, production, drill, drill_baseline(scratch, prompt, production, drill, drill_id, actor)
    )
