"""Eval suites: `evals/suites/<name>.yaml`, loaded with the project's line-aware YAML loader and checked
against policies/schemas/eval-suite.schema.json; every problem is reported at its file:line.

    name: smoke
    prompt: summarize
    dataset: evals/datasets/smoke.jsonl
    owner: jane.doe@example.com          # one person; default: metadata.eval_owner
    scorers:
      - {type: max-sentences, field: max_sentences}
      - {type: icontains-any, field: keywords, weight: 2}
    thresholds: {pass_rate: 0.9}
    segments: [billing, technical]       # required segments (default: spec.segments)
    repeats: 1
    gate: {tolerance: 0.02, confidence: 0.95, resamples: 2000, seed: 0, behaviour_change_threshold: 0.1}
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platform_cli.errors import InvalidFile, Problem, UserError
from platform_cli.evals.scorers.base import (
    Configured,
    ScorerConfig,
    ScorerConfigError,
    ScorerContext,
)
from platform_cli.evals.scorers.registry import DEFAULT_THRESHOLDS, lookup
from platform_cli.yamlfile import LoadedYaml, relative_display, render_path

SUITES_DIR = "evals/suites"
SCHEMA = "eval-suite"
DEFAULT_MIN_CASES = 5
_SHARED_KEYS = {"type", "id", "weight", "threshold", "value", "field", "negate"}  # "optional" stays an option


@dataclass(frozen=True)
class GateSettings:
    """How a suite's run is compared with its baseline (`gate:` in the suite file)."""

    tolerance: float = 0.02
    confidence: float = 0.95
    resamples: int = 2000
    seed: int = 0
    behaviour_change_threshold: float = 0.10

    def as_dict(self) -> dict[str, Any]:
        return {
            "tolerance": self.tolerance,
            "confidence": self.confidence,
            "resamples": self.resamples,
            "seed": self.seed,
            "behaviour_change_threshold": self.behaviour_change_threshold,
        }


@dataclass(frozen=True)
class ScorerEntry:
    """One configured scorer of a suite, with where it is written (line, position in the list)."""

    config: ScorerConfig
    type: str
    negated: bool
    line: int | None
    index: int


@dataclass(frozen=True)
class Suite:
    """A loaded, checked suite. Paths are absolute; `display` names are repo-relative for messages."""

    name: str
    path: Path
    display: str
    root: Path
    prompt: str
    mode: str
    datasets: tuple[Path, ...]
    dataset_displays: tuple[str, ...]
    owner: str | list[str] | None
    owner_from: str  # suite | manifest
    owner_line: int | None
    scorers: tuple[ScorerEntry, ...]
    thresholds: Mapping[str, float]
    segments: tuple[str, ...]
    repeats: int
    min_cases_per_segment: int
    gate: GateSettings
    content_hash: str
    loaded: LoadedYaml = field(repr=False)

    def build_scorers(self, ctx: ScorerContext) -> list[Configured]:
        """The suite's scorers, built for a run; a bad entry raises InvalidFile at its line."""
        built, problems = [], []
        for entry in self.scorers:
            _, factory, _ = lookup(entry.config.type)
            try:
                scorer = factory(entry.config, ctx)
            except ScorerConfigError as error:
                problems.append(self._scorer_problem(entry, error))
                continue
            built.append(Configured(entry.config, scorer, DEFAULT_THRESHOLDS.get(entry.type, 1.0)))
        if problems:
            raise InvalidFile(self.display, problems, "eval suite")
        return built

    def _scorer_problem(self, entry: ScorerEntry, error: ScorerConfigError) -> Problem:
        path: list[str | int] = ["scorers", entry.index]
        if error.key and self.loaded.position([*path, error.key]) is not None:
            path.append(error.key)
        line, column = self.loaded.locate(path) or (entry.line, None)
        return Problem(self.display, line, column, render_path(path), str(error), error.hint)

    scorer_problem = _scorer_problem  # public: an entry built elsewhere (online scoring) is located here too


def _hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _config(index: int, item: Mapping[str, Any]) -> ScorerConfig:
    extras = {k: v for k, v in item.items() if k not in _SHARED_KEYS}
    kwargs: dict[str, Any] = {}
    if "value" in item:
        kwargs["value"] = item["value"]
    return ScorerConfig(
        type=str(item["type"]),
        id=str(item.get("id") or item["type"]),
        weight=float(item.get("weight", 1.0)),
        threshold=None if item.get("threshold") is None else float(item["threshold"]),
        negate=bool(item.get("negate", False)),
        field=item.get("field"),
        options=extras,
        **kwargs,
    )


def load_suite(
    path: Path,
    root: Path,
    *,
    segments: Sequence[str] = (),
    eval_owners: Sequence[str] = (),
    min_cases: int = DEFAULT_MIN_CASES,
    output_schema: Callable[[str], Mapping[str, Any] | None] | None = None,
) -> Suite:
    """Load and check one suite file. `segments` / `eval_owners` come from the manifest (defaults)."""
    from platform_cli.onepass import resolved
    from platform_cli.yamlschema import load_validated

    shown = relative_display(path, root)
    loaded = load_validated(path, SCHEMA, what="eval suite", display=shown)
    data: dict[str, Any] = loaded.data
    problems: list[Problem] = []

    def problem(json_path: list[str | int], message: str, hint: str = "") -> None:
        problems.append(loaded.problem(json_path, message, hint))

    if data["name"] != path.stem:
        problem(["name"], f"name {data['name']!r} differs from the file name {path.stem!r}",
                f"rename the file to {data['name']}.yaml or set name: {path.stem}")  # fmt: skip
    names = [data["dataset"]] if "dataset" in data else list(data["datasets"])
    key = "dataset" if "dataset" in data else "datasets"
    datasets: list[Path] = []
    for index, name in enumerate(names):
        where: list[str | int] = [key] if key == "dataset" else [key, index]
        target = resolved(root / name)
        if not target.is_relative_to(resolved(root)):
            problem(
                where,
                f"{name!r} is outside the repository",
                "datasets live in the repo, e.g. evals/datasets/",
            )
        elif not target.is_file():
            problem(where, f"no such dataset file {name!r}", "create it (JSON Lines, one case per line)")
        datasets.append(target)
    required = tuple(data.get("segments", segments))
    unknown = [s for s in required if segments and s not in segments]
    if unknown:
        problem(["segments"], f"segment(s) {', '.join(unknown)} are not declared in spec.segments",
                f"declared: {', '.join(segments)}")  # fmt: skip
    entries = []
    for index, item in enumerate(data["scorers"]):
        config = _config(index, item)
        line = loaded.line_of(["scorers", index])
        try:
            canonical, _, negated = lookup(config.type)
        except ScorerConfigError as error:
            problem(["scorers", index, "type"], str(error), error.hint)
            continue
        if negated:
            config = dataclasses.replace(config, negate=not config.negate)
        entries.append(ScorerEntry(config, canonical, negated, line, index))
    owner: str | list[str] | None = data.get("owner")
    owner_from = "suite"
    if owner is None:
        owner_from = "manifest"
        owner = eval_owners[0] if len(eval_owners) == 1 else (list(eval_owners) or None)
    gate = GateSettings(**data.get("gate", {}))
    suite = Suite(
        name=data["name"], path=path, display=shown, root=root, prompt=data["prompt"],
        mode=data.get("mode", "complete"), datasets=tuple(datasets),
        dataset_displays=tuple(str(n) for n in names), owner=owner, owner_from=owner_from,
        owner_line=loaded.line_of(["owner"]) if "owner" in data else None,
        scorers=tuple(entries), thresholds=dict(data.get("thresholds", {})), segments=required,
        repeats=int(data.get("repeats", 1)),
        min_cases_per_segment=int(data.get("min_cases_per_segment", min_cases)), gate=gate,
        content_hash=_hash(data), loaded=loaded,
    )  # fmt: skip
    if not problems:
        schema = output_schema(suite.prompt) if output_schema is not None else None
        check = ScorerContext(root, schema, judge=lambda call: _never(call), providers=())
        try:
            suite.build_scorers(check)
        except InvalidFile as error:
            problems.extend(error.problems)
    if problems:
        raise InvalidFile(shown, problems, "eval suite")
    return suite


def _never(call: object) -> Any:
    raise AssertionError("a suite check never calls the judge")


def suite_paths(root: Path) -> list[Path]:
    folder = root / SUITES_DIR
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def find_suite_path(root: Path, name: str | None) -> Path:
    """The suite file for NAME (a name or a path); the only suite when NAME is None."""
    paths = suite_paths(root)
    if name is None:
        if len(paths) == 1:
            return paths[0]
        if not paths:
            raise UserError(f"no eval suite in {SUITES_DIR}/: add one (see `platform eval --help`)")
        choices = ", ".join(p.stem for p in paths)
        raise UserError(f"several suites in {SUITES_DIR}/ ({choices}): name the one to run")
    candidate = Path(name)
    if candidate.suffix in (".yaml", ".yml") and (root / candidate).is_file():
        return root / candidate
    for path in paths:
        if path.stem == name:
            return path
    known = ", ".join(p.stem for p in paths) or "none"
    raise UserError(f"no suite named {name!r} in {SUITES_DIR}/ (suites: {known})")


def scorer_entry(index: int, item: Mapping[str, Any], line: int | None = None) -> ScorerEntry:
    """One `scorers:` entry as a suite holds it (also for scorers declared elsewhere, e.g. the manifest's
    online scoring); ScorerConfigError (key `type`) for an unknown type."""
    config = _config(index, item)
    canonical, _, negated = lookup(config.type)
    if negated:
        config = dataclasses.replace(config, negate=not config.negate)
    return ScorerEntry(config, canonical, negated, line, index)


def build_entry(entry: ScorerEntry, ctx: ScorerContext) -> Configured:
    """One entry built with the shared settings applied; ScorerConfigError for an entry it cannot use."""
    _, factory, _ = lookup(entry.config.type)
    return Configured(entry.config, factory(entry.config, ctx), DEFAULT_THRESHOLDS.get(entry.type, 1.0))
