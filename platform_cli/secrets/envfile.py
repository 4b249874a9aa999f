"""The `env-file` backend (local development): values in a `.env` file (mode 0600), metadata in a sidecar.

`.env` holds `NAME=<current>` plus, while they exist, `NAME__PENDING=` (a rotation in progress) and
`NAME__PREVIOUS=` (the key that stays valid for the grace period). The sidecar `.env.meta.json` (also 0600,
never a value) holds owner, rotation period, creation times and the rotation journal. Both files are
replaced atomically (temp file + rename), and the order of the two writes makes every crash resumable.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import stat
from pathlib import Path
from typing import Any

from platform_cli.errors import InvalidFile, UserError
from platform_cli.fsutil import atomic_write_text
from platform_cli.secrets.faults import crash_point
from platform_cli.secrets.model import (
    Journal,
    RotationMeta,
    SecretState,
    SecretUnavailable,
    Serving,
    Stage,
    VersionInfo,
    iso,
    parse_iso,
    serving_from,
    utcnow,
)

PENDING_SUFFIX = "__PENDING"
PREVIOUS_SUFFIX = "__PREVIOUS"
_LINE = re.compile(r"^\s*(?:export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<value>.*)$")
_BARE = re.compile(r"^[A-Za-z0-9_\-.:/+=@~,%^]*$")


def parse_env(text: str) -> dict[str, str]:
    """KEY=VALUE lines (optional `export`, single or double quotes, ` #` comments after bare values)."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        match = _LINE.match(line)
        if match is None:
            continue
        values[match.group("key")] = _unquote(match.group("value").strip())
    return values


def _unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return raw[1:-1]
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), raw[1:-1])
    return re.split(r"\s+#", raw, maxsplit=1)[0].strip()


def _quote(value: str) -> str:
    if _BARE.match(value):
        return value
    if "'" not in value:
        return f"'{value}'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class EnvFileBackend:
    """One secret in a `.env`-style file."""

    kind = "env-file"

    def __init__(self, name: str, path: Path, *, display: str | None = None) -> None:
        self.name = name
        self.path = path
        self.meta_path = path.with_name(path.name + ".meta.json")
        self.location = display or str(path)
        self._keys: dict[Stage, str] = {
            "current": name,
            "pending": name + PENDING_SUFFIX,
            "previous": name + PREVIOUS_SUFFIX,
        }

    # --- files ----------------------------------------------------------------------------------------
    def _values(self) -> dict[str, str]:
        try:
            return parse_env(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as exc:
            raise SecretUnavailable(
                f"{self.location}: cannot read the env file ({type(exc).__name__})"
            ) from None

    def _write_values(self, updates: dict[str, str | None]) -> None:
        """Set (or, for None, remove) keys and keep every other line as it is; mode 0600, atomic."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            lines = []
        out: list[str] = []
        seen: set[str] = set()
        for line in lines:
            match = _LINE.match(line)
            key = match.group("key") if match else None
            if key is None or key not in updates:
                out.append(line)
                continue
            if key in seen or updates[key] is None:
                continue
            seen.add(key)
            prefix = "export " if line.lstrip().startswith("export ") else ""
            out.append(f"{prefix}{key}={_quote(updates[key] or '')}")
        out.extend(f"{k}={_quote(v)}" for k, v in updates.items() if k not in seen and v is not None)
        atomic_write_text(self.path, mode=0o600, text="\n".join(out) + "\n" if out else "")

    def _all_records(self) -> dict[str, Any]:
        """The sidecar under the loading policy and its schema: a bad one is a located exit 2."""
        from platform_cli.jsonfile import load_json
        from platform_cli.yamlschema import load_schema, schema_problems

        if not self.meta_path.exists():
            return {"version": 1, "secrets": {}}
        shown = self.meta_path.name
        loaded = load_json(self.meta_path, display=shown, what="rotation metadata")
        problems = schema_problems(loaded, load_schema("env-meta"))
        if problems:
            raise InvalidFile(shown, problems, "rotation metadata (it holds no values: fix or delete it)")
        data: dict[str, Any] = loaded.data
        return data

    def _record(self) -> dict[str, Any]:
        record = self._all_records()["secrets"].get(self.name)
        return dict(record) if isinstance(record, dict) else {}

    def _save_record(self, record: dict[str, Any]) -> None:
        data = self._all_records()
        data["secrets"][self.name] = record
        atomic_write_text(self.meta_path, mode=0o600, text=json.dumps(data, indent=2, sort_keys=True) + "\n")

    def _journal(self, record: dict[str, Any], token: str) -> dict[str, Any]:
        rotation = record.get("rotation")
        if not isinstance(rotation, dict) or rotation.get("id") != token:
            raise UserError(f"{self.location}: rotation {token} of {self.name} is not in progress")
        return rotation

    # --- SecretBackend --------------------------------------------------------------------------------
    def describe(self) -> SecretState:
        values = self._values()
        record = self._record()
        version = int(record.get("version", 1))
        exists = bool(values.get(self.name))
        rotation = record.get("rotation")
        journal = None
        if isinstance(rotation, dict) and rotation.get("id"):
            journal = Journal(
                token=str(rotation["id"]),
                step=str(rotation.get("step", "started")),
                started=parse_iso(rotation.get("started")),
                initial=bool(rotation.get("initial")),
            )
        warnings: tuple[str, ...] = ()
        try:
            if self.path.exists() and stat.S_IMODE(self.path.stat().st_mode) & 0o077:
                warnings = (f"{self.location} is readable by other users: chmod 600 {self.location}",)
        except OSError:
            pass
        return SecretState(
            exists=exists,
            current=VersionInfo(str(version), parse_iso(record.get("current_created"))) if exists else None,
            previous=(
                VersionInfo(str(version - 1), parse_iso(record.get("previous_created")))
                if values.get(self._keys["previous"])
                else None
            ),
            pending=VersionInfo("pending") if values.get(self._keys["pending"]) else None,
            owner=record.get("owner"),
            rotation_days=record.get("rotation_days"),
            current_created=parse_iso(record.get("current_created")),
            last_rotated=parse_iso(record.get("last_rotated")),
            grace_until=parse_iso(record.get("grace_until")),
            last_token=record.get("last_rotation"),
            rolled_back=parse_iso(record.get("rolled_back_at")),
            journal=journal,
            warnings=warnings,
        )

    def serving(self) -> Serving:
        return serving_from(self)

    def read(self, stage: Stage) -> str | None:
        return self._values().get(self._keys[stage]) or None

    def begin(self, token: str, meta: RotationMeta, *, initial: bool) -> None:
        if self._values().get(self._keys["pending"]):
            self._write_values({self._keys["pending"]: None})  # stray, from no journal: never reuse it
        record = self._record()
        record.update({"owner": meta.owner, "rotation_days": meta.rotation_days})
        record["rotation"] = {"id": token, "step": "started", "started": iso(utcnow()), "initial": initial}
        self._save_record(record)

    def put_pending(self, token: str, value: str) -> None:
        self._journal(self._record(), token)
        if self._values().get(self._keys["pending"]):
            return  # stored before a crash: one rotation at a time, so it is this one's
        self._write_values({self._keys["pending"]: value})

    def mark(self, token: str, step: str) -> None:
        record = self._record()
        self._journal(record, token)["step"] = step
        self._save_record(record)

    def promote(self, token: str, grace_until: dt.datetime, now: dt.datetime) -> None:
        record = self._record()
        journal = self._journal(record, token)
        values = self._values()
        pending = values.get(self._keys["pending"])
        if pending:  # otherwise the file was already switched before a crash
            current = values.get(self.name)
            self._write_values(
                {self.name: pending, self._keys["previous"]: current or None, self._keys["pending"]: None}
            )
            crash_point("promote")
        had_current = not journal.get("initial")
        record["version"] = int(record.get("version", 1)) + (1 if had_current else 0)
        record["previous_created"] = record.get("current_created") if had_current else None
        record["current_created"] = iso(now)
        record["last_rotated"] = iso(now)
        record["grace_until"] = iso(grace_until) if had_current else None
        record["last_rotation"] = token
        record.pop("rotation", None)
        record.pop("rolled_back_at", None)
        self._save_record(record)

    def discard(self, token: str) -> None:
        record = self._record()
        self._journal(record, token)
        if self._values().get(self._keys["pending"]):
            self._write_values({self._keys["pending"]: None})
        record.pop("rotation", None)
        self._save_record(record)

    def rollback(self, now: dt.datetime) -> None:
        values = self._values()
        previous = values.get(self._keys["previous"])
        if not previous:
            raise UserError(f"{self.location}: {self.name} has no previous version to roll back to")
        self._write_values({self.name: previous, self._keys["previous"]: values.get(self.name) or None})
        record = self._record()
        record["current_created"], record["previous_created"] = (
            record.get("previous_created"),
            record.get("current_created"),
        )
        record["version"] = int(record.get("version", 1)) + 1
        record["grace_until"] = iso(now)  # the rolled-back key is not served as a fallback
        record["rolled_back_at"] = iso(now)
        self._save_record(record)
