"""The rotation state machine, the same on every backend: create pending -> set -> test -> finish.

The journal lives in the backend's own metadata (see each backend), so any machine can resume a rotation
and no second store can disagree with the values. Re-running `rotate` resumes an interrupted rotation
(same token); re-running a finished token is a no-op; a failed test discards the pending version and
leaves the current one untouched. Before finishing, the pending key is always tested again, because a key
that worked before a crash may have been revoked since.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from platform_cli.errors import Refused, UserError
from platform_cli.secrets import audit
from platform_cli.secrets.backend import SecretBackend
from platform_cli.secrets.checks import KeyCheck
from platform_cli.secrets.faults import crash_point
from platform_cli.secrets.model import RotationMeta, SecretState, iso, utcnow
from platform_cli.secrets.sources import ValueSource

DEFAULT_GRACE = dt.timedelta(hours=24)
_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{7,63}$")


@dataclass(frozen=True)
class StepReport:
    step: str  # begin | create | set | test | finish | abort | rollback
    status: str  # done | resumed | skipped | failed | planned
    detail: str


@dataclass
class RotationReport:
    """What a rotate / abort / rollback did; metadata only."""

    name: str
    backend: str
    location: str
    outcome: str = "pending"  # rotated | already-done | test-failed | aborted | rolled-back | dry-run
    token: str | None = None
    resumed: bool = False
    steps: list[StepReport] = field(default_factory=list)
    current_version: str | None = None
    previous_version: str | None = None
    grace_until: str | None = None

    @property
    def failed(self) -> bool:
        return self.outcome == "test-failed"

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["steps"] = [asdict(s) for s in self.steps]
        return data


Progress = Callable[[StepReport], None]


def new_token() -> str:
    return str(uuid.uuid4())


def check_token(token: str) -> str:
    if not _TOKEN.match(token):
        raise UserError(f"--token {token!r}: use 8-64 letters, digits, '.', '_' or '-' (e.g. a CI run id)")
    return token


class _Run:
    """Book-keeping shared by the operations: the report, progress callback and audit log."""

    def __init__(
        self, backend: SecretBackend, name: str, progress: Progress | None, where: audit.Where | None
    ) -> None:
        self.backend = backend
        self._where = where
        self.report = RotationReport(name=name, backend=backend.kind, location=backend.location)
        self._progress = progress

    def step(self, step: str, status: str, detail: str) -> None:
        entry = StepReport(step, status, detail)
        self.report.steps.append(entry)
        if status != "planned":
            audit.record(
                f"secret.{step}",
                name=self.report.name,
                backend=self.report.backend,
                location=self.report.location,
                repo=str(self._where.repo.resolve()) if self._where else None,
                feature=self._where.feature if self._where else None,
                token=self.report.token,
                status=status,
                detail=detail,
            )
        if self._progress:
            self._progress(entry)

    def finish(self, outcome: str) -> RotationReport:
        self.report.outcome = outcome
        if outcome in ("rotated", "rolled-back", "already-done"):
            state = self.backend.describe()
            self.report.current_version = state.current.id if state.current else None
            self.report.previous_version = state.previous.id if state.previous else None
            self.report.grace_until = iso(state.grace_until) if state.previous_valid(utcnow()) else None
        return self.report


def rotate(
    backend: SecretBackend,
    *,
    name: str,
    source: ValueSource | None,
    check: KeyCheck,
    meta: RotationMeta,
    token: str | None = None,
    grace: dt.timedelta = DEFAULT_GRACE,
    dry_run: bool = False,
    progress: Progress | None = None,
    where: audit.Where | None = None,
) -> RotationReport:
    """Run (or resume) a rotation of one secret. `source` is called only when a new value is needed.

    `where` (the feature's repository and name) is recorded on every audit line.
    """
    run = _Run(backend, name, progress, where)
    state = backend.describe()
    journal = state.journal
    if journal is not None:
        if token and token != journal.token:
            raise Refused(
                f"rotation {journal.token} of {name} is in progress (last step: {journal.step}); re-run "
                f"without --token to resume it, or abort it with `platform secrets rotate {name} --abort`"
            )
        run.report.token, run.report.resumed = journal.token, True
        step = journal.step
        if not dry_run:
            run.step("resume", "done", f"resuming rotation {journal.token} after step {journal.step}")
    else:
        if token and token == state.last_token:
            run.report.token = token
            run.step("finish", "skipped", f"rotation {token} already finished")
            return run.finish("already-done")
        run.report.token = token or new_token()
        step = "new"
    tok = run.report.token
    assert tok is not None
    if dry_run:
        return _plan(run, state, step, source, check, grace)
    if step == "aborting":
        backend.discard(tok)
        run.step("abort", "done", "finished discarding the pending version of an interrupted failed rotation")
        return run.finish("aborted")
    if step in ("new", "started"):
        if step == "new":
            if source is None:
                raise UserError(
                    f"choose where the new value of {name} comes from: --generate, --stdin or --command CMD"
                )
            backend.begin(tok, meta, initial=not state.exists)
            run.step("begin", "done", f"rotation {tok} recorded in {backend.kind}")
            crash_point("begin")
        if state.pending is not None and step == "started":
            run.step("create", "resumed", "pending version was already stored")
        else:
            if source is None:
                raise UserError(
                    f"rotation {tok} of {name} stopped before its new value was stored: re-run with "
                    f"--generate, --stdin or --command CMD, or abort it with "
                    f"`platform secrets rotate {name} --abort`"
                )
            try:
                new_value = source()
            except BaseException:
                # nothing was stored: drop the journal too, so status/verify/rollback are not blocked by a
                # rotation that never had a value (the command failed, stdin was empty, Ctrl-C, SIGTERM)
                backend.discard(tok)
                run.step("create", "failed", "no new value was produced; rotation discarded, nothing changed")
                raise
            if state.exists:
                _refuse_unchanged(run, tok, new_value)
            backend.put_pending(tok, new_value)
            del new_value
            run.step("create", "done", "pending version stored")
        backend.mark(tok, "created")
        crash_point("create")
        step = "created"
    if step == "created":
        backend.mark(tok, "set")
        run.step("set", "done", "pending version staged next to the current one")
        crash_point("set")
        step = "set"
    if step in ("set", "tested"):
        value = backend.read("pending")
        if value is None:
            raise UserError(
                f"the pending version of rotation {tok} is gone; abort it with "
                f"`platform secrets rotate {name} --abort`"
            )
        result = check.run(value)
        del value
        if not result.ok:
            backend.mark(tok, "aborting")
            backend.discard(tok)
            run.step(
                "test",
                "failed",
                f"{check.description}: {result.detail}; pending discarded, current untouched",
            )
            return run.finish("test-failed")
        backend.mark(tok, "tested")
        run.step("test", "done", f"{check.description}: {result.detail}")
        crash_point("test")
        backend.mark(tok, "finishing")
    now = utcnow()
    backend.promote(tok, now + grace, now)
    until = f"; the previous key stays valid until {iso(now + grace)}" if state.exists else ""
    run.step("finish", "done", f"pending version is now current{until}")
    crash_point("finish")
    return run.finish("rotated")


def _refuse_unchanged(run: _Run, token: str, value: str) -> None:
    """Refuse a new value equal to the current one: promoting it would push the genuine previous key out.

    The rotation just begun (nothing stored yet) is discarded, so current and previous stay as they were.
    """
    backend, name = run.backend, run.report.name
    current = backend.read("current")
    same = current is not None and hmac.compare_digest(current.encode(), value.encode())
    del current
    if not same:
        return
    backend.mark(token, "aborting")
    backend.discard(token)
    run.step("create", "failed", "the new value equals the current one; current and previous untouched")
    raise UserError(
        f"the new value of {name} is the same as its current value in {backend.location}; rotating to it "
        "would replace the previous key with a copy of the current one. Mint a new key at the vendor (or "
        "use --generate) and rotate again; nothing was changed"
    )


def _plan(
    run: _Run, state: SecretState, step: str, source: ValueSource | None, check: KeyCheck, grace: dt.timedelta
) -> RotationReport:
    if step == "aborting":
        run.step("abort", "planned", "would finish discarding the pending version of a failed rotation")
        return run.finish("dry-run")
    if step == "new" and source is None:
        raise UserError(
            f"choose where the new value of {run.report.name} comes from: "
            "--generate, --stdin or --command CMD"
        )
    if step in ("new", "started"):
        run.step("create", "planned", "would store a new pending version (no value is read in a dry run)")
    if step in ("new", "started", "created"):
        run.step("set", "planned", "would stage the pending version next to the current one")
    if step != "finishing":
        run.step("test", "planned", f"would test the pending key: {check.description}")
    grace_text = f"; the current key would stay valid as previous for {grace}" if state.exists else ""
    run.step("finish", "planned", f"would make the pending version current{grace_text}")
    return run.finish("dry-run")


def abort(
    backend: SecretBackend,
    *,
    name: str,
    dry_run: bool = False,
    progress: Progress | None = None,
    where: audit.Where | None = None,
) -> RotationReport:
    """Discard the rotation in progress (its pending version); the current version is untouched."""
    run = _Run(backend, name, progress, where)
    journal = backend.describe().journal
    if journal is None:
        raise UserError(f"no rotation of {name} is in progress in {backend.location}")
    run.report.token = journal.token
    if dry_run:
        run.step("abort", "planned", f"would discard rotation {journal.token} (last step: {journal.step})")
        return run.finish("dry-run")
    backend.mark(journal.token, "aborting")
    backend.discard(journal.token)
    run.step("abort", "done", f"rotation {journal.token} discarded; the current version is untouched")
    return run.finish("aborted")


def rollback(
    backend: SecretBackend,
    *,
    name: str,
    check: KeyCheck | None,
    dry_run: bool = False,
    progress: Progress | None = None,
    to_rolled_back: bool = False,
    where: audit.Where | None = None,
) -> RotationReport:
    """Make the previous version current again, after testing that the previous key still works.

    Right after a rollback, `previous` is the key that was just rolled back; restoring it needs
    `to_rolled_back=True` (rotating to a new key is almost always what is meant).
    """
    run = _Run(backend, name, progress, where)
    state = backend.describe()
    if state.journal is not None:
        raise Refused(
            f"rotation {state.journal.token} of {name} is in progress: finish it "
            f"(`platform secrets rotate {name}`) or abort it "
            f"(`platform secrets rotate {name} --abort`) before rolling back"
        )
    if state.previous is None:
        raise UserError(f"{name} has no previous version in {backend.location} to roll back to")
    if state.rolled_back is not None and not to_rolled_back:
        raise UserError(
            f"{name} was rolled back at {iso(state.rolled_back)}: its previous version in {backend.location} "
            "is the key that rollback took out of service, so a second rollback would bring it back. "
            f"Rotate to a new key instead (`platform secrets rotate {name} --command CMD`), or pass "
            "--to-rolled-back if you really mean to restore it"
        )
    if check is not None:
        value = backend.read("previous")
        result = check.run(value) if value is not None else None
        del value
        if result is None or not result.ok:
            detail = result.detail if result else "its value is gone"
            run.step("test", "failed", f"the previous key does not work ({detail}); nothing was changed")
            return run.finish("test-failed")
        run.step("test", "done", f"{check.description}: {result.detail}")
    if dry_run:
        run.step("rollback", "planned", f"would make version {state.previous.id} current again")
        return run.finish("dry-run")
    backend.rollback(utcnow())
    run.step("rollback", "done", "the previous key is current again; the rolled-back key is not served")
    return run.finish("rolled-back")
