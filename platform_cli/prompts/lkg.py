"""Last-known-good copies on disk: what the resolver served last, so a cold start without the store serves.

One small JSON file per label, pinned version and allocation, under `<repo>/.platform/lkg/<store>/<prompt>/`,
where `<store>` is a short hash of the store's identity (`store_key`): a repo used with several stores (its
tests' temporary ones, the live one) keeps one copy per store, and never serves another store's. Written
atomically (temporary file + rename), so a crash never leaves a half-written copy. A copy whose
content no longer matches its recorded hash is ignored.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from platform_cli.fsutil import atomic_write_text
from platform_cli.store import StoreError
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.urls import parse_url, redact_url


def store_key(url: str) -> str:
    """A short, stable name for the store at `url` that needs no connection (a cold start has none).

    SQLite: the database file's absolute path; PostgreSQL: the URL with its password redacted (a rotated
    password is still the same store). No secret reaches the name: it is a hash of the redacted form.
    """
    try:
        parsed = parse_url(url)
        identity = f"sqlite:{parsed.target}" if parsed.dialect == "sqlite" else parsed.redacted
    except StoreError:
        identity = redact_url(url.strip())
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:12]


def _content(saved: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in saved.items() if key != "saved_at"}


class LastKnownGood:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.last_error: str | None = None  # why the latest write failed (serving goes on regardless)
        self._written: dict[Path, dict[str, Any]] = {}  # what each file holds (but saved_at), as last seen

    def _path(self, name: str, kind: str, key: str) -> Path:
        shown = "all-segments" if key == "*" else quote(key, safe="")
        return self.directory / name / f"{kind}.{shown}.json"

    def _write(self, path: Path, data: dict[str, Any]) -> None:
        """Save `data` unless the file already holds it (a refresh that changed nothing writes nothing)."""
        known = self._written.get(path)
        if known is None:
            on_disk = self._read(path)
            known = self._written[path] = _content(on_disk) if on_disk is not None else {}
        if known == data:
            return
        try:
            atomic_write_text(path, json.dumps({**data, "saved_at": utc_timestamp()}, sort_keys=True) + "\n")
        except OSError as error:  # a read-only disk must not stop serving from the store
            self.last_error = f"cannot write {path}: {error.strerror or error}"
            return
        self._written[path] = dict(data)

    def _read(self, path: Path) -> dict[str, Any] | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    # --- prompt versions (by label, or pinned) ------------------------------------------------------------
    def save_label(self, name: str, label: str, version: int, content_hash: str, canonical: str) -> None:
        self._write(
            self._path(name, "label", label),
            {
                "name": name,
                "label": label,
                "version": version,
                "content_hash": content_hash,
                "content": canonical,
            },
        )

    def load_label(self, name: str, label: str) -> tuple[int, str, dict[str, Any], str] | None:
        """(version, content hash, content, saved_at) of the copy, if present and intact."""
        return self._checked(self._read(self._path(name, "label", label)))

    def save_version(self, name: str, version: int, content_hash: str, canonical: str) -> None:
        self._write(
            self._path(name, "version", str(version)),
            {"name": name, "version": version, "content_hash": content_hash, "content": canonical},
        )

    def load_version(self, name: str, version: int) -> tuple[int, str, dict[str, Any], str] | None:
        return self._checked(self._read(self._path(name, "version", str(version))))

    @staticmethod
    def _checked(data: dict[str, Any] | None) -> tuple[int, str, dict[str, Any], str] | None:
        if data is None:
            return None
        try:
            canonical = str(data["content"])
            if hashlib.sha256(canonical.encode("utf-8")).hexdigest() != data["content_hash"]:
                return None
            return (
                int(data["version"]),
                str(data["content_hash"]),
                json.loads(canonical),
                str(data["saved_at"]),
            )
        except (KeyError, TypeError, ValueError):
            return None

    # --- allocations --------------------------------------------------------------------------------------
    def save_allocation(
        self, name: str, segment: str, salt: str | None, used: str, allocation: str | None
    ) -> None:
        self._write(
            self._path(name, "allocation", segment),
            {"name": name, "segment": segment, "salt": salt, "used": used, "allocation": allocation},
        )

    def load_allocation(self, name: str, segment: str) -> tuple[str | None, str, str | None] | None:
        """(salt, segment whose allocation applied, allocation JSON or None)."""
        data = self._read(self._path(name, "allocation", segment))
        if data is None:
            return None
        salt, allocation = data.get("salt"), data.get("allocation")
        return (
            str(salt) if salt is not None else None,
            str(data.get("used", segment)),
            str(allocation) if allocation is not None else None,
        )
