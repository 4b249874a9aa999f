"""The rotation audit log: one JSON line per step (who, what, where, when), never a value."""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platform_cli.errorlog import log_dir
from platform_cli.secrets.model import iso, utcnow

AUDIT_FILE = "secrets-audit.jsonl"


@dataclass(frozen=True)
class Where:
    """The feature a secret belongs to, recorded on every audit line (the location alone is ambiguous)."""

    repo: Path  # the feature repository root
    feature: str  # metadata.name of its ai-feature.yaml


def audit_path() -> Path:
    return log_dir() / AUDIT_FILE


def record(event: str, **fields: Any) -> None:
    """Append one event; a log that cannot be written never stops a rotation (the backend is the record)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = None
    line = json.dumps({"at": iso(utcnow()), "event": event, "user": user, **fields}, default=str)
    path = audit_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    except OSError:
        pass
