"""The `vault` backend: HashiCorp Vault / OpenBao KV v2 over plain HTTP (requests), `cas` on every write.

Layout for a secret at `<mount>/<path>`:
- `<path>` holds `{"value": <current>}`; its latest version is the current key, so every ordinary reader
  (`vault kv get`, agent templates) sees the current key and nothing else. The previous key is an older
  version (`max_versions` is kept at 2 or more so it exists), named by custom_metadata `previous_version`.
- `<path>.pending` holds the pending value of a rotation in progress; it is deleted when the rotation
  finishes or fails. Grant rotators `<mount>/data/<path>*` and `<mount>/metadata/<path>*`.
- custom_metadata on `<path>` (strings, never values): owner, rotation_days, last_rotated, current_created,
  previous_version, previous_created, grace_until, last_rotation, and the journal (rotation,
  rotation_step, rotation_started, rotation_initial, rotation_from_version).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests

from platform_cli.errors import UserError
from platform_cli.httpclient import RedirectRefused, ResponseTooLarge, excerpt, new_session
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
    utcnow,
)

VALUE_KEY = "value"
MIN_VERSIONS = 2
DEFAULT_MAX_VERSIONS = 10
TIMEOUT = (3.05, 15.0)  # connect, read (seconds)
_JOURNAL_KEYS = ("rotation", "rotation_step", "rotation_started", "rotation_initial", "rotation_from_version")


class VaultBackend:
    """One KV v2 secret in Vault or OpenBao."""

    kind = "vault"

    def __init__(
        self,
        name: str,
        path: str,
        *,
        addr: str,
        token: str,
        mount: str = "secret",
        namespace: str | None = None,
        verify: bool | str = True,
    ) -> None:
        self.name = name
        self.path = path.strip("/")
        self.mount = mount.strip("/")
        self.addr = addr.rstrip("/")
        self.location = f"{self.addr} {self.mount}/{self.path}"
        headers = {"X-Vault-Token": token, "X-Vault-Request": "true"}
        if namespace:
            headers["X-Vault-Namespace"] = namespace
        self._session = new_session(headers, verify=verify)

    @classmethod
    def from_env(cls, name: str, path: str, env: Mapping[str, str]) -> VaultBackend:
        addr = env.get("VAULT_ADDR") or env.get("BAO_ADDR")
        if not addr:
            raise SecretUnavailable(
                f"secret {name} is in vault but VAULT_ADDR is not set "
                "(export VAULT_ADDR=https://vault.example.com and VAULT_TOKEN, or log in with `vault login`)"
            )
        token = env.get("VAULT_TOKEN") or env.get("BAO_TOKEN") or _token_file(env)
        if not token:
            raise SecretUnavailable(
                f"secret {name}: no Vault token "
                "(set VAULT_TOKEN, or run `vault login` to write ~/.vault-token)"
            )
        cacert = env.get("VAULT_CACERT") or env.get("BAO_CACERT")
        return cls(
            name,
            path,
            addr=addr,
            token=token,
            mount=env.get("PLATFORM_VAULT_MOUNT", "secret"),
            namespace=env.get("VAULT_NAMESPACE") or env.get("BAO_NAMESPACE"),
            verify=cacert or True,
        )

    # --- HTTP ---------------------------------------------------------------------------------------------
    def _call(self, method: str, api: str, body: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """JSON `data` of the response; None for 404. Errors never carry request bodies (values)."""
        url = f"{self.addr}/v1/{api}"
        try:
            response = self._session.request(method, url, json=body, timeout=TIMEOUT)
        except (RedirectRefused, ResponseTooLarge) as exc:
            raise SecretUnavailable(f"vault: {exc}") from None
        except requests.RequestException as exc:
            raise SecretUnavailable(f"vault at {self.addr} is unreachable ({type(exc).__name__})") from None
        if response.status_code == 404:
            return None
        if response.status_code == 403:
            raise SecretUnavailable(
                f"vault: permission denied for {method} {api} (the token needs read/create/update/delete on "
                f"{self.mount}/data/{self.path}* and {self.mount}/metadata/{self.path}*)"
            )
        if response.status_code >= 400:
            errors = _errors(response)
            if "check-and-set" in errors:
                raise UserError(
                    f"vault: {self.mount}/{self.path} changed while this command ran ({errors}); "
                    "run `platform secrets status` and retry"
                )
            raise SecretUnavailable(f"vault: {method} {api} failed: HTTP {response.status_code} {errors}")
        if response.status_code == 204 or not response.content:
            return {}
        payload = response.json()
        data = payload.get("data") if isinstance(payload, dict) else None
        return data if isinstance(data, dict) else {}

    def _metadata(self, path: str) -> dict[str, Any] | None:
        return self._call("GET", f"{self.mount}/metadata/{path}")

    def _write_metadata(self, path: str, custom: dict[str, str], max_versions: int | None = None) -> None:
        body: dict[str, Any] = {"custom_metadata": custom, "cas_required": True}
        if max_versions is not None:
            body["max_versions"] = max_versions
        self._call("POST", f"{self.mount}/metadata/{path}", body)

    def _write_data(self, path: str, value: str, cas: int) -> int:
        data = self._call(
            "POST", f"{self.mount}/data/{path}", {"options": {"cas": cas}, "data": {VALUE_KEY: value}}
        )
        return int((data or {}).get("version", 0))

    def _read_data(self, path: str, version: int | None = None) -> str | None:
        suffix = f"?version={version}" if version else ""
        data = self._call("GET", f"{self.mount}/data/{path}{suffix}")
        inner = (data or {}).get("data")
        if not isinstance(inner, dict):
            return None  # missing, deleted or destroyed
        if VALUE_KEY in inner:
            return str(inner[VALUE_KEY])
        return str(next(iter(inner.values()))) if len(inner) == 1 else None

    @property
    def _pending_path(self) -> str:
        return f"{self.path}.pending"

    def _custom(self, meta: dict[str, Any] | None) -> dict[str, str]:
        custom = (meta or {}).get("custom_metadata") or {}
        return {str(k): str(v) for k, v in custom.items()}

    def _journal_of(self, custom: dict[str, str], token: str) -> None:
        if custom.get("rotation") != token:
            raise UserError(
                f"vault {self.mount}/{self.path}: rotation {token} of {self.name} is not in progress"
            )

    # --- SecretBackend --------------------------------------------------------------------------------
    def describe(self) -> SecretState:
        return self._state(self._metadata(self.path), self._metadata(self._pending_path))

    def serving(self) -> Serving:
        """Two requests (metadata, current version), three during a grace period (previous version)."""
        state = self._state(self._metadata(self.path), None)
        if state.current is None:
            return Serving(None)
        current = self._read_data(self.path, int(state.current.id))
        previous = None
        if state.previous is not None and state.previous_valid(utcnow()):
            previous = self._read_data(self.path, int(state.previous.id))
        return Serving(
            current, state.current.id, previous, state.previous.id if state.previous and previous else None
        )

    def _state(self, meta: dict[str, Any] | None, pending_meta: dict[str, Any] | None) -> SecretState:
        """The state from the secret's metadata (and its pending path's, when read; else no pending)."""
        custom = self._custom(meta)
        versions: dict[str, Any] = (meta or {}).get("versions") or {}
        current_number = int((meta or {}).get("current_version") or 0)
        current = _version(versions, current_number)
        previous_number = int(custom.get("previous_version") or max(current_number - 1, 0))
        previous = _version(versions, previous_number) if previous_number != current_number else None
        pending = None
        if pending_meta and int(pending_meta.get("current_version") or 0) > 0:
            pending = VersionInfo("pending", parse_iso(pending_meta.get("updated_time")))
        journal = None
        if custom.get("rotation"):
            journal = Journal(
                token=custom["rotation"],
                step=custom.get("rotation_step", "started"),
                started=parse_iso(custom.get("rotation_started")),
                initial=custom.get("rotation_initial") == "true",
            )
        rotation_days = custom.get("rotation_days")
        return SecretState(
            exists=current is not None,
            current=current,
            previous=previous,
            pending=pending,
            owner=custom.get("owner"),
            rotation_days=int(rotation_days) if rotation_days and rotation_days.isdigit() else None,
            current_created=parse_iso(custom.get("current_created"))
            or (current.created if current else None),
            last_rotated=parse_iso(custom.get("last_rotated")),
            grace_until=parse_iso(custom.get("grace_until")),
            last_token=custom.get("last_rotation"),
            rolled_back=parse_iso(custom.get("rolled_back_at")),
            journal=journal,
        )

    def read(self, stage: Stage) -> str | None:
        if stage == "current":
            return self._read_data(self.path)
        if stage == "pending":
            return self._read_data(self._pending_path)
        state = self._state(self._metadata(self.path), None)
        return self._read_data(self.path, int(state.previous.id)) if state.previous else None

    def begin(self, token: str, meta: RotationMeta, *, initial: bool) -> None:
        self._call("DELETE", f"{self.mount}/metadata/{self._pending_path}")  # a stray pending is never reused
        current = self._metadata(self.path)
        custom = self._custom(current)
        if meta.owner:
            custom["owner"] = meta.owner
        if meta.rotation_days:
            custom["rotation_days"] = str(meta.rotation_days)
        custom.update(
            {
                "managed_by": "platform-cli",
                "rotation": token,
                "rotation_step": "started",
                "rotation_started": iso(utcnow()) or "",
                "rotation_initial": "true" if initial else "false",
                "rotation_from_version": str(int((current or {}).get("current_version") or 0)),
            }
        )
        max_versions = int((current or {}).get("max_versions") or 0)
        self._write_metadata(
            self.path, custom, max_versions if max_versions >= MIN_VERSIONS else DEFAULT_MAX_VERSIONS
        )

    def put_pending(self, token: str, value: str) -> None:
        self._journal_of(self._custom(self._metadata(self.path)), token)
        pending = self._metadata(self._pending_path)
        if pending is not None and self._custom(pending).get("rotation") not in (None, token):
            raise UserError(
                f"vault {self.mount}/{self._pending_path} belongs to another rotation; "
                f"abort it with `platform secrets rotate {self.name} --abort`"
            )
        if pending is None:
            # metadata first: a crash between the two writes leaves a tagged, empty pending to fill on resume
            self._write_metadata(
                self._pending_path, {"rotation": token, "managed_by": "platform-cli"}, MIN_VERSIONS
            )
        if pending is None or int(pending.get("current_version") or 0) == 0:
            self._write_data(self._pending_path, value, cas=0)

    def mark(self, token: str, step: str) -> None:
        custom = self._custom(self._metadata(self.path))
        self._journal_of(custom, token)
        custom["rotation_step"] = step
        self._write_metadata(self.path, custom)

    def promote(self, token: str, grace_until: dt.datetime, now: dt.datetime) -> None:
        meta = self._metadata(self.path) or {}
        custom = self._custom(meta)
        self._journal_of(custom, token)
        from_version = int(custom.get("rotation_from_version") or 0)
        value = self._read_data(self._pending_path)
        if value is not None:
            current_number = int(meta.get("current_version") or 0)
            if current_number == from_version:
                self._write_data(self.path, value, cas=from_version)
            elif not (current_number == from_version + 1 and self._read_data(self.path) == value):
                raise UserError(
                    f"vault {self.mount}/{self.path} was written by someone else during rotation {token}; "
                    f"abort it with `platform secrets rotate {self.name} --abort` and rotate again"
                )
            crash_point("promote")
            self._call("DELETE", f"{self.mount}/metadata/{self._pending_path}")
        versions: dict[str, Any] = meta.get("versions") or {}
        had_current = from_version > 0 and custom.get("rotation_initial") != "true"
        for key in _JOURNAL_KEYS:
            custom.pop(key, None)
        for key in ("previous_version", "previous_created", "grace_until", "rolled_back_at"):
            custom.pop(key, None)
        if had_current:
            old = _version(versions, from_version)
            custom["previous_version"] = str(from_version)
            custom["previous_created"] = (
                custom.get("current_created") or iso(old.created if old else None) or ""
            )
            custom["grace_until"] = iso(grace_until) or ""
        custom.update(
            {"current_created": iso(now) or "", "last_rotated": iso(now) or "", "last_rotation": token}
        )
        self._write_metadata(self.path, custom)

    def discard(self, token: str) -> None:
        meta = self._metadata(self.path) or {}
        custom = self._custom(meta)
        self._journal_of(custom, token)
        self._call("DELETE", f"{self.mount}/metadata/{self._pending_path}")
        if int(meta.get("current_version") or 0) == 0:
            self._call("DELETE", f"{self.mount}/metadata/{self.path}")  # created by begin(), nothing to keep
            return
        for key in _JOURNAL_KEYS:
            custom.pop(key, None)
        self._write_metadata(self.path, custom)

    def rollback(self, now: dt.datetime) -> None:
        meta = self._metadata(self.path) or {}
        state = self.describe()
        if state.previous is None:
            raise UserError(
                f"vault {self.mount}/{self.path}: {self.name} has no previous version to roll back to"
            )
        value = self._read_data(self.path, int(state.previous.id))
        if value is None:
            raise UserError(
                f"vault {self.mount}/{self.path}: version {state.previous.id} was deleted or destroyed"
            )
        current_number = int(meta.get("current_version") or 0)
        self._write_data(self.path, value, cas=current_number)
        custom = self._custom(meta)
        custom["previous_version"] = str(current_number)
        custom["previous_created"], custom["current_created"] = (
            iso(state.current_created) or "",
            custom.get("previous_created") or iso(state.previous.created) or "",
        )
        custom["grace_until"] = iso(now) or ""  # the rolled-back key is not served as a fallback
        custom["rolled_back_at"] = iso(now) or ""
        self._write_metadata(self.path, custom)


def _version(versions: dict[str, Any], number: int) -> VersionInfo | None:
    """The version `number` when it exists and is neither deleted nor destroyed."""
    info = versions.get(str(number)) if number > 0 else None
    if not isinstance(info, dict) or info.get("destroyed") or info.get("deletion_time"):
        return None
    return VersionInfo(str(number), parse_iso(info.get("created_time")))


def _errors(response: requests.Response) -> str:
    try:
        payload = response.json()
    except ValueError:
        return ""
    errors = payload.get("errors") if isinstance(payload, dict) else None
    return excerpt("; ".join(str(e) for e in errors)) if isinstance(errors, list) else ""


def _token_file(env: Mapping[str, str]) -> str | None:
    home = env.get("HOME")
    if not home:
        return None
    try:
        return (Path(home) / ".vault-token").read_text(encoding="utf-8").strip() or None
    except OSError:
        return None
