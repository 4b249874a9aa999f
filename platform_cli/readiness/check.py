"""Check one feature repository: manifest first, then the facts the rules need, rules, waivers, levels."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from platform_cli.clock import utc_today
from platform_cli.onepass import one_pass
from platform_cli.readiness.evaluate import evaluate_rule, reached_level, required_level
from platform_cli.readiness.facts.base import Fact, FactCollector, RepoContext
from platform_cli.readiness.facts.registry import installed_collectors
from platform_cli.readiness.model import Level, Report, Rule
from platform_cli.readiness.rules import load_rules, unknown_fact_reason
from platform_cli.readiness.verdicts import fixed_values
from platform_cli.readiness.waivers import apply_waivers, load_waivers, max_days

__all__ = ["check_repo", "collect_facts", "repo_display"]

_MAX_REASON = 300


def check_repo(
    root: Path,
    *,
    level: Level | None = None,
    extra_policy_dirs: Sequence[Path] = (),
    today: dt.date | None = None,
    rules: Sequence[Rule] | None = None,
    collectors: Mapping[str, FactCollector] | None = None,
    waiver_max_days: int | None = None,
) -> Report:
    """The readiness report of the repo at `root`.

    Raises InvalidFile (exit 2, with file:line) for a bad manifest, rule file or waivers.yaml; never for
    a collector's failure, which becomes an unknown fact and so a failed finding. `rules` and
    `collectors` default to the installed packs and collectors (`scan` passes pre-loaded rules).
    `waiver_max_days` is max_days(extra_policy_dirs) when the caller read it already (a scan reads it
    once for all its repos).
    """
    with one_pass():  # the repo is read as one snapshot: each path is resolved once, each prompt loaded once
        return _check_repo(root, level, extra_policy_dirs, today, rules, collectors, waiver_max_days)


def _check_repo(
    root: Path,
    level: Level | None,
    extra_policy_dirs: Sequence[Path],
    today: dt.date | None,
    rules: Sequence[Rule] | None,
    collectors: Mapping[str, FactCollector] | None,
    waiver_max_days: int | None,
) -> Report:
    day = today or utc_today()
    limit = max_days(extra_policy_dirs) if waiver_max_days is None else waiver_max_days
    ctx = RepoContext(root=root, extra={"today": day, "waiver_max_days": limit})
    manifest = ctx.manifest  # first: a bad manifest is bad input, reported with its file:line
    active = list(rules) if rules is not None else load_rules(extra_policy_dirs)
    waivers = load_waivers(root, rule_ids={r.id for r in active}, today=day, limit_days=limit)
    facts = collect_facts(ctx, {r.fact for r in active}, collectors)
    with fixed_values():
        evaluated = [evaluate_rule(r, facts[r.fact]) for r in active]
    findings, notes = apply_waivers(evaluated, waivers, today=day)
    return Report(
        repo=repo_display(root),
        feature=manifest.name,
        lifecycle=manifest.lifecycle,
        required_level=required_level(manifest.lifecycle, level),
        findings=findings,
        waiver_notes=notes,
        reached=reached_level(findings, notes, active),
        template=_template_summary(facts.get("template")),
    )


def _template_summary(fact: Fact | None) -> dict[str, Any] | None:
    """What `readiness scan` shows about the repo's template: source, version, latest, behind_by."""
    if fact is None or not isinstance(fact.value, dict) or not fact.value.get("present"):
        return None
    return {key: fact.value.get(key) for key in ("source", "version", "latest", "behind_by")}


def repo_display(root: Path) -> str:
    """How reports name a repo: relative to the current directory when inside it, else absolute."""
    path = root.absolute()
    try:
        return str(path.relative_to(Path.cwd())) or "."
    except ValueError:
        return str(path)


def collect_facts(
    ctx: RepoContext, names: Collection[str], collectors: Mapping[str, FactCollector] | None = None
) -> dict[str, Fact]:
    """Each named fact, collected exactly once. A missing collector, a collector that raises or one that
    returns something else than its Fact yields an unknown fact with the reason (never a crash)."""
    table = installed_collectors() if collectors is None else collectors
    facts: dict[str, Fact] = {}
    for name in sorted(names):
        collector = table.get(name)
        if collector is None:
            facts[name] = Fact.missing(name, unknown_fact_reason(name, table))
            continue
        try:
            fact = collector.collect(ctx)
        except Exception as error:  # a company's plugin must not crash the check
            reason = f"the '{name}' collector failed: {type(error).__name__}: {error}"
            facts[name] = Fact.missing(name, _shorten(reason))
            continue
        if not isinstance(fact, Fact) or fact.name != name:
            got = f"a Fact named '{fact.name}'" if isinstance(fact, Fact) else type(fact).__name__
            fact = Fact.missing(name, f"the '{name}' collector returned {got} instead of the '{name}' fact")
        facts[name] = fact
    return facts


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 3] + "..."
