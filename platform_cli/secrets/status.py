"""Per-secret status from the backends' own metadata (age, period, due date, owner) and key verification."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from platform_cli.errors import PlatformError
from platform_cli.manifest.model import Manifest, SecretSpec
from platform_cli.secrets.backend import SecretBackend, open_backend
from platform_cli.secrets.checks import KeyCheck, default_check
from platform_cli.secrets.model import SecretState, iso, utcnow

DEFAULT_ROTATION_DAYS = 90


def rotate_command(name: str) -> str:
    """What to run to (re)create a secret; stdin suits keys copied from a vendor console."""
    return f"platform secrets rotate {name} --stdin"


@dataclass(frozen=True)
class SecretStatus:
    """One declared secret as its backend reports it. `state`: ok | overdue | missing | unknown."""

    name: str
    backend: str
    location: str | None
    owner: str | None
    rotation_days: int
    state: str
    exists: bool
    age_days: int | None
    last_rotated: str | None
    due: str | None  # date the next rotation is due
    overdue: bool
    current_version: str | None
    previous_valid_until: str | None
    rotation_in_progress: str | None  # "<token> (<step>)"
    reason: str  # why the state is what it is, and what to do
    command: str
    warnings: tuple[str, ...] = ()

    @property
    def failing(self) -> bool:
        return self.state != "ok"

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["warnings"] = list(self.warnings)
        return data


def describe_secret(
    spec: SecretSpec, root: Path, now: dt.datetime, env: Mapping[str, str] | None = None
) -> SecretStatus:
    """Status of one declared secret; an unreachable backend gives state "unknown" with the reason."""
    period = spec.rotation_days or DEFAULT_ROTATION_DAYS
    command = rotate_command(spec.name)
    base: dict[str, Any] = {
        "name": spec.name,
        "backend": spec.backend,
        "rotation_days": period,
        "command": command,
        "location": None,
        "owner": spec.owner,
    }
    try:
        backend = open_backend(spec, root, env)
        base["location"] = backend.location
        state = backend.describe()
    except PlatformError as exc:
        return SecretStatus(
            **base, state="unknown", exists=False, age_days=None, last_rotated=None, due=None, overdue=False,
            current_version=None, previous_valid_until=None, rotation_in_progress=None, reason=str(exc),
        )  # fmt: skip
    return _from_state(base, spec, state, period, now, command)


def _from_state(
    base: dict[str, Any], spec: SecretSpec, state: SecretState, period: int, now: dt.datetime, command: str
) -> SecretStatus:
    base["owner"] = spec.owner or state.owner
    age = state.age(now)
    created = now - age if age is not None else None
    due = (created + dt.timedelta(days=period)).date().isoformat() if created else None
    in_progress = f"{state.journal.token} ({state.journal.step})" if state.journal else None
    if not state.exists:
        status, overdue = "missing", True
        reason = f"{spec.name} has never been set in {spec.backend} {base['location']}: run `{command}`"
    elif age is None:
        status, overdue = "overdue", True
        reason = f"{spec.name} has no recorded creation time, so its age is unknown: run `{command}`"
    elif age > dt.timedelta(days=period):
        status, overdue = "overdue", True
        reason = f"{spec.name} is {age.days} days old, past its {period}-day rotation period: run `{command}`"
    else:
        status, overdue = "ok", False
        reason = f"{spec.name} is {age.days} days old; next rotation due {due}"
    if in_progress:
        reason += (
            f" (rotation {in_progress} is in progress: "
            f"re-run `platform secrets rotate {spec.name}` to resume it)"
        )
    return SecretStatus(
        **base,
        state=status,
        exists=state.exists,
        age_days=None if age is None else age.days,
        last_rotated=iso(state.last_rotated),
        due=due,
        overdue=overdue,
        current_version=state.current.id if state.current else None,
        previous_valid_until=iso(state.grace_until) if state.previous_valid(now) else None,
        rotation_in_progress=in_progress,
        reason=reason,
        warnings=state.warnings,
    )


def secrets_status(
    manifest: Manifest, *, now: dt.datetime | None = None, env: Mapping[str, str] | None = None
) -> list[SecretStatus]:
    """Status of every secret declared in spec.secrets, in declaration order."""
    moment = now or utcnow()
    return [describe_secret(spec, manifest.root, moment, env) for spec in manifest.secrets]


@dataclass(frozen=True)
class VerifyResult:
    name: str
    backend: str
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify_secret(backend: SecretBackend, name: str, check: KeyCheck) -> VerifyResult:
    """The current key exists and works, and no rotation is half done."""
    try:
        state = backend.describe()
        if state.journal is not None:
            return VerifyResult(
                name, backend.kind, False,
                f"rotation {state.journal.token} stopped at step {state.journal.step}: re-run "
                f"`platform secrets rotate {name}` to resume it or add --abort",
            )  # fmt: skip
        value = backend.read("current")
    except PlatformError as exc:
        return VerifyResult(name, backend.kind, False, str(exc))
    if value is None:
        return VerifyResult(name, backend.kind, False, f"no current value: run `{rotate_command(name)}`")
    result = check.run(value)
    del value
    return VerifyResult(name, backend.kind, result.ok, f"{check.description}: {result.detail}")


def verify_all(
    manifest: Manifest,
    *,
    names: Collection[str] = (),
    test_command: str | None = None,
    env: Mapping[str, str] | None = None,
) -> list[VerifyResult]:
    """Test the current key of every declared secret (only `names` when given), in manifest order."""
    results = []
    for spec in manifest.secrets:
        if names and spec.name not in names:
            continue  # each check may call the vendor: never test what nobody asked about
        try:
            backend = open_backend(spec, manifest.root, env)
        except PlatformError as exc:
            results.append(VerifyResult(spec.name, spec.backend, False, str(exc)))
            continue
        results.append(verify_secret(backend, spec.name, default_check(manifest, spec.name, test_command)))
    return results
