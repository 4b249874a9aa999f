"""The typed, read-only model of a valid ai-feature.yaml (built only after the file passed validation)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from platform_cli.yamlfile import LoadedYaml

DEFAULT_STATE_URL = "sqlite:///.platform/state.db"


@dataclass(frozen=True)
class ProviderSpec:
    """One entry of spec.providers. Unset optional fields are None: the adapter picks its own default."""

    name: str
    kind: str  # fake | openai | openai-compatible | anthropic
    model: str
    base_url: str | None = None
    api_key_secret: str | None = None
    oncall_owner: str | None = None
    timeout_s: float | None = None
    max_retries: int | None = None
    options: dict[str, Any] = field(default_factory=dict)
    index: int = 0  # position in spec.providers (0 = primary)


@dataclass(frozen=True)
class Budget:
    """spec.budget; each field is None when the manifest leaves it out."""

    monthly_usd: float | None = None
    per_request_usd: float | None = None
    alert_at: list[float] = field(default_factory=list)
    on_exhausted: str | None = None  # block | fallback:<provider>; None: keep serving (alerts only)


@dataclass(frozen=True)
class GuardThreshold:
    """spec.rollout.guards.<metric>: unset values (None) take the metric's default (rollout/settings.py)."""

    relative: float | None = None
    absolute: float | None = None
    min_samples: int | None = None


@dataclass(frozen=True)
class OnlineScoring:
    """spec.rollout.online_scoring: which scorers judge sampled live answers, how many, at what judge cost."""

    scorers: list[dict[str, Any]] = field(default_factory=list)  # entries as in a suite's `scorers:`
    suite: str | None = None  # a suite whose scorers (those needing no expected value) also judge them
    sample_rate: float = 0.02
    canary_cap: int = 2000
    judge_budget_usd: float | None = None  # None: the judge scorer is not run on live answers
    max_queue: int = 1000


@dataclass(frozen=True)
class Rollout:
    """spec.rollout: traffic percentages per step, soak time, and the metrics that guard a rollout."""

    steps: list[int] = field(default_factory=list)
    soak_days: int | None = None
    guard_metrics: list[str] = field(default_factory=list)
    step_days: list[float] | None = None  # one per step below 100%; None: soak_days shared equally
    guards: dict[str, GuardThreshold] = field(default_factory=dict)
    confidence: float = 0.95
    min_segment_share: float = 0.05
    online_scoring: OnlineScoring | None = None


@dataclass(frozen=True)
class RollbackSpec:
    """spec.rollback: what happens to history a bad version produced, and how fresh the drill must be."""

    history: str | None = None  # quarantine | flag | summarize
    drill_max_age_days: int | None = None


@dataclass(frozen=True)
class SecretSpec:
    """One entry of spec.secrets (names and locations only; never a value)."""

    name: str
    backend: str  # env-file | vault | aws
    path: str | None = None
    rotation_days: int | None = None
    owner: str | None = None
    index: int = 0


@dataclass(frozen=True)
class Manifest:
    """A validated ai-feature.yaml. `data` is the raw mapping; `loaded` knows where every value is."""

    path: Path
    loaded: LoadedYaml = field(repr=False)
    data: dict[str, Any] = field(repr=False)
    name: str
    title: str | None
    description: str | None
    owner: str
    eval_owners: list[str]  # metadata.eval_owner as a list (the schema allows one string or a list)
    system: str | None
    lifecycle: str  # experimental | production | deprecated
    oncall_rotation: str | None
    oncall_escalation: str | None
    providers: list[ProviderSpec]
    budget: Budget | None
    rollout: Rollout | None
    rollback: RollbackSpec | None
    secrets: list[SecretSpec]
    segments: list[str]
    state_url: str = DEFAULT_STATE_URL  # as written; see resolve_state_url for the one to use
    evals: dict[str, Any] = field(default_factory=dict)
    prompts: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def root(self) -> Path:
        """The feature repository root: the directory holding the manifest (resolved once: every fact and
        suite asks)."""
        from platform_cli.onepass import resolved

        return resolved(self.path).parent

    @property
    def display(self) -> str:
        """How messages name the manifest file."""
        return self.loaded.display

    @property
    def primary(self) -> ProviderSpec:
        """The first provider (the schema guarantees at least one)."""
        return self.providers[0]

    def provider(self, name: str) -> ProviderSpec | None:
        return next((p for p in self.providers if p.name == name), None)

    def secret(self, name: str) -> SecretSpec | None:
        return next((s for s in self.secrets if s.name == name), None)

    def line_of(self, json_path: Sequence[str | int]) -> int | None:
        """Line to cite for `json_path` (the key's line for mapping entries), e.g. ["spec", "budget"]."""
        return self.loaded.line_of(json_path)


def build_manifest(loaded: LoadedYaml) -> Manifest:
    """Turn schema-valid data into the model (the schema has already checked every type used here)."""
    data: dict[str, Any] = loaded.data
    meta: dict[str, Any] = data["metadata"]
    spec: dict[str, Any] = data["spec"]
    eval_owner = meta["eval_owner"]
    oncall: dict[str, Any] = spec.get("oncall") or {}
    budget = spec.get("budget")
    rollout = spec.get("rollout")
    rollback = spec.get("rollback")
    return Manifest(
        path=loaded.path,
        loaded=loaded,
        data=data,
        name=meta["name"],
        title=meta.get("title"),
        description=meta.get("description"),
        owner=meta["owner"],
        eval_owners=[eval_owner] if isinstance(eval_owner, str) else list(eval_owner),
        system=meta.get("system"),
        lifecycle=spec["lifecycle"],
        oncall_rotation=oncall.get("rotation"),
        oncall_escalation=oncall.get("escalation"),
        providers=[_provider(index, item) for index, item in enumerate(spec["providers"])],
        budget=None
        if budget is None
        else Budget(
            monthly_usd=_number(budget.get("monthly_usd")),
            per_request_usd=_number(budget.get("per_request_usd")),
            alert_at=[float(x) for x in budget.get("alert_at", [])],
            on_exhausted=budget.get("on_exhausted"),
        ),
        rollout=None if rollout is None else _rollout(rollout),
        rollback=None
        if rollback is None
        else RollbackSpec(
            history=rollback.get("history"), drill_max_age_days=rollback.get("drill_max_age_days")
        ),
        secrets=[
            SecretSpec(
                name=item["name"],
                backend=item["backend"],
                path=item.get("path"),
                rotation_days=item.get("rotation_days"),
                owner=item.get("owner"),
                index=index,
            )
            for index, item in enumerate(spec.get("secrets", []))
        ],
        segments=list(spec.get("segments", [])),
        state_url=(spec.get("state") or {}).get("url", DEFAULT_STATE_URL),
        evals=dict(spec.get("evals") or {}),
        prompts=dict(spec.get("prompts") or {}),
    )


def _rollout(item: dict[str, Any]) -> Rollout:
    scoring = item.get("online_scoring")
    step_days = item.get("step_days")
    return Rollout(
        steps=list(item.get("steps", [])),
        soak_days=item.get("soak_days"),
        guard_metrics=list(item.get("guard_metrics", [])),
        step_days=None if step_days is None else [float(d) for d in step_days],
        guards={
            metric: GuardThreshold(
                relative=_number(limits.get("relative")),
                absolute=_number(limits.get("absolute")),
                min_samples=limits.get("min_samples"),
            )
            for metric, limits in (item.get("guards") or {}).items()
        },
        confidence=float(item.get("confidence", 0.95)),
        min_segment_share=float(item.get("min_segment_share", 0.05)),
        online_scoring=None
        if scoring is None
        else OnlineScoring(
            scorers=[dict(item) for item in scoring.get("scorers", [])],
            suite=scoring.get("suite"),
            sample_rate=float(scoring.get("sample_rate", 0.02)),
            canary_cap=int(scoring.get("canary_cap", 2000)),
            judge_budget_usd=_number(scoring.get("judge_budget_usd")),
            max_queue=int(scoring.get("max_queue", 1000)),
        ),
    )


def _provider(index: int, item: dict[str, Any]) -> ProviderSpec:
    return ProviderSpec(
        name=item["name"],
        kind=item["kind"],
        model=item["model"],
        base_url=item.get("base_url"),
        api_key_secret=item.get("api_key_secret"),
        oncall_owner=item.get("oncall_owner"),
        timeout_s=_number(item.get("timeout_s")),
        max_retries=item.get("max_retries"),
        options=dict(item.get("options") or {}),
        index=index,
    )


def _number(value: Any) -> float | None:
    return None if value is None else float(value)
