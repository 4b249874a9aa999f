"""What the secrets layer talks about: versions, a secret's state, the journal.

`Secret`, the value that never prints, lives in platform_cli.secretvalue (providers use it without this
package) and is re-exported here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from platform_cli.errors import UserError
from platform_cli.secretvalue import Secret as Secret

if TYPE_CHECKING:
    from platform_cli.secrets.backend import SecretBackend

Stage = Literal["current", "pending", "previous"]

# The rotation journal's steps, in order. `step` in a Journal is the last one completed.
# "finishing" / "aborting" are written before promote / discard so a crash inside them is resumed, not redone.
JOURNAL_STEPS = ("started", "created", "set", "tested", "finishing", "aborting")


class SecretUnavailable(UserError):
    """A backend could not be reached or refused access; the message says which and what to set."""


class SecretNotFound(UserError):
    """The secret has no current value yet; the message says how to create one."""


@dataclass(frozen=True)
class VersionInfo:
    """One stored version: its backend id and when it was created (never its value)."""

    id: str
    created: dt.datetime | None = None


@dataclass(frozen=True)
class Journal:
    """A rotation in progress, as recorded in the backend's own metadata."""

    token: str
    step: str  # one of JOURNAL_STEPS
    started: dt.datetime | None = None
    initial: bool = False  # no current value existed when the rotation started


@dataclass(frozen=True)
class SecretState:
    """What a backend knows about one secret: versions, ages and metadata, no values."""

    exists: bool  # a current version exists
    current: VersionInfo | None = None
    previous: VersionInfo | None = None
    pending: VersionInfo | None = None
    owner: str | None = None
    rotation_days: int | None = None
    current_created: dt.datetime | None = None  # when the current key was created (survives rollbacks)
    last_rotated: dt.datetime | None = None
    grace_until: dt.datetime | None = None  # the previous version stays valid until then
    last_token: str | None = None  # token of the last finished rotation (re-running it is a no-op)
    rolled_back: dt.datetime | None = (
        None  # when a rollback made `previous` the rolled-back key (until a rotation)
    )
    journal: Journal | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def age(self, now: dt.datetime) -> dt.timedelta | None:
        created = self.current_created or (self.current.created if self.current else None)
        # clamp: a backend's clock may run slightly ahead of ours
        return None if created is None else max(now - created, dt.timedelta(0))

    def previous_valid(self, now: dt.datetime) -> bool:
        return self.previous is not None and self.grace_until is not None and now < self.grace_until


@dataclass(frozen=True)
class Serving:
    """What the runtime serves from a backend: the current value, and the previous one while its grace
    period lasts, with their version ids. Values: never log, print or store them."""

    current: str | None
    current_version: str | None = None
    previous: str | None = None
    previous_version: str | None = None

    def __repr__(self) -> str:
        versions = f"current_version={self.current_version!r}, previous_version={self.previous_version!r}"
        return f"Serving({versions})"


@dataclass(frozen=True)
class RotationMeta:
    """Metadata written with a rotation: who owns the secret and how often it rotates."""

    owner: str | None
    rotation_days: int | None


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def iso(moment: dt.datetime | None) -> str | None:
    """UTC ISO-8601 with a Z, second precision (what every backend's metadata stores)."""
    if moment is None:
        return None
    return moment.astimezone(dt.timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str | None) -> dt.datetime | None:
    """Inverse of `iso` (tolerates fractional seconds and offsets); None for missing or unparsable text."""
    if not text:
        return None
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def serving_from(backend: SecretBackend, state: SecretState | None = None) -> Serving:
    """`serving()` for a backend whose reads cost nothing much (a local file) or are what they are."""
    state = state or backend.describe()
    if not state.exists or state.current is None:
        return Serving(None)
    previous = backend.read("previous") if state.previous_valid(utcnow()) else None
    return Serving(
        backend.read("current"),
        state.current.id,
        previous,
        state.previous.id if previous is not None and state.previous is not None else None,
    )
