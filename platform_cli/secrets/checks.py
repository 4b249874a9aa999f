"""Key checks for the rotation's test step: a cheap authenticated call with the key, or a user command.

No check ever prints, logs or returns the key, and none echoes a response body (vendors quote part of a
rejected key back in their error messages).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from typing import Protocol

from platform_cli.manifest.model import Manifest, ProviderSpec
from platform_cli.models import is_offline


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str


class KeyCheck(Protocol):
    """Tells whether a key works. `description` says what it does (no value in it)."""

    @property
    def description(self) -> str: ...

    def run(self, value: str) -> CheckResult: ...


@dataclass(frozen=True)
class ModelsListCheck:
    """GET the provider's models list with the key: 2xx works, 401/403 is rejected, anything else fails.

    `kind` is the provider kind whose adapter says how the key is sent (`auth_headers`), so the check
    sends exactly what the runtime will.
    """

    url: str
    kind: str = "openai"
    timeout_s: float = 10.0

    @property
    def description(self) -> str:
        return f"GET {self.url}"

    def run(self, value: str) -> CheckResult:
        # the HTTP stack and the provider adapters only when a key is really checked (status never is)
        import requests

        from platform_cli.httpclient import RedirectRefused, new_session, shown_url
        from platform_cli.providers.endpoints import http_adapter

        adapter = http_adapter(self.kind)
        if adapter is None:
            return CheckResult(False, f"not tested: provider kind {self.kind!r} has no HTTP adapter")
        headers = adapter.auth_headers(value)
        try:
            with new_session(headers) as session:
                response = session.get(self.url, timeout=self.timeout_s)
        except RedirectRefused as exc:
            return CheckResult(False, f"not tested: {exc}")
        except requests.RequestException as exc:
            return CheckResult(False, f"could not reach {shown_url(self.url)} ({type(exc).__name__})")
        status = response.status_code
        if 200 <= status < 300:
            return CheckResult(True, f"key accepted (HTTP {status})")
        if status in (401, 403):
            return CheckResult(False, f"key rejected (HTTP {status})")
        return CheckResult(False, f"unexpected HTTP {status} from {self.url}")


@dataclass(frozen=True)
class CommandCheck:
    """Run a shell command with the key in the environment variable `env_name`; exit 0 means it works."""

    command: str
    env_name: str
    timeout_s: float = 120.0

    @property
    def description(self) -> str:
        return f"--test-command (key in ${self.env_name})"

    def run(self, value: str) -> CheckResult:
        env = {**os.environ, self.env_name: value}
        try:
            proc = subprocess.run(
                self.command, shell=True, env=env, capture_output=True, timeout=self.timeout_s, check=False
            )
        except subprocess.TimeoutExpired:
            return CheckResult(False, f"timed out after {self.timeout_s:g}s")
        except OSError as exc:
            return CheckResult(False, f"could not run ({type(exc).__name__})")
        if proc.returncode == 0:
            return CheckResult(True, "exited 0")
        # its output is not shown: it may contain the key
        return CheckResult(False, f"exited {proc.returncode} (output hidden: it may hold the key)")


@dataclass(frozen=True)
class NoCheck:
    """Nothing to call (the offline fake provider, or no provider uses the secret)."""

    reason: str

    @property
    def description(self) -> str:
        return f"no test: {self.reason}"

    def run(self, value: str) -> CheckResult:
        return CheckResult(True, "skipped")


def models_url(provider: ProviderSpec) -> KeyCheck:
    """The models-list check of a keyed provider: the list beside the endpoint the runtime posts to."""
    from platform_cli.providers.endpoints import http_adapter

    adapter = http_adapter(provider.kind)
    url = adapter.models_url(provider.base_url) if adapter is not None else None
    if url is None:
        return NoCheck(f"provider {provider.name} ({provider.kind}) has no URL to test a key against")
    return ModelsListCheck(url, provider.kind)


def default_check(manifest: Manifest, name: str, test_command: str | None = None) -> KeyCheck:
    """`--test-command` when given, else the models list of the first real provider that uses `name`."""
    if test_command:
        return CommandCheck(test_command, name)
    users = [p for p in manifest.providers if p.api_key_secret == name]
    real = [p for p in users if not is_offline(p.kind)]
    if real:
        return models_url(real[0])
    if users:
        return NoCheck(f"only the offline fake provider uses {name}")
    return NoCheck(f"no provider uses {name}; pass --test-command to check it")
