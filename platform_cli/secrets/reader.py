"""`SecretReader`: how the runtime reads provider keys, cached briefly so rotations apply without restarts."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from platform_cli.errors import PlatformError
from platform_cli.secretvalue import Secret

if TYPE_CHECKING:
    from platform_cli.manifest.model import Manifest, SecretSpec
    from platform_cli.secrets.backend import SecretBackend

# The backends, the env-file reader and the status texts are imported when a secret is first read: the
# readiness check asks `state_url_secrets` of every repo, and most state URLs name no secret.

RETRY_AFTER_FAILURE_S = 5.0  # while a backend is down, serve the last value and retry this often


class SecretReader:
    """Reads declared secrets from their backends; undeclared names come from the process environment.

    `get(name)` returns a `Secret` (value hidden from repr/str) cached for `cache_ttl_s` seconds, so a
    rotated key is picked up within that time. `Secret.previous` is the previous key while its grace
    period lasts (adapters may retry with it on 401). While a backend is unreachable the last value read
    is served; with none, the error (SecretUnavailable / SecretNotFound) says what to fix. Thread-safe.
    An env-file secret whose file does not exist is read from the environment variable of the same name
    (containers and CI inject keys that way).
    """

    def __init__(
        self,
        manifest: Manifest,
        *,
        cache_ttl_s: float = 30.0,
        env: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._manifest = manifest
        self._ttl = cache_ttl_s
        self._env = os.environ if env is None else env
        self._clock = clock
        self._cache: dict[str, tuple[float, Secret]] = {}
        self._backends: dict[str, SecretBackend] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> Secret:
        with self._lock:
            now = self._clock()
            cached = self._cache.get(name)
            if cached is not None and now < cached[0]:
                return cached[1]
            try:
                secret = self._load(name)
            except PlatformError:
                if cached is None:
                    raise
                self._cache[name] = (now + min(RETRY_AFTER_FAILURE_S, self._ttl), cached[1])
                return cached[1]
            self._cache[name] = (now + self._ttl, secret)
            return secret

    def invalidate(self, name: str | None = None) -> None:
        """Forget cached values (all, or one name) so the next get() reads the backend."""
        with self._lock:
            if name is None:
                self._cache.clear()
            else:
                self._cache.pop(name, None)

    def _backend(self, spec: SecretSpec) -> SecretBackend:
        backend = self._backends.get(spec.name)
        if backend is None:
            from platform_cli.secrets.backend import open_backend

            backend = open_backend(spec, self._manifest.root, self._env)
            self._backends[spec.name] = backend
        return backend

    def _from_env(self, name: str, why: str) -> Secret:
        from platform_cli.secrets.model import SecretNotFound

        value = self._env.get(name)
        if not value:
            raise SecretNotFound(why)
        return Secret(name, value, backend="env")

    def _load(self, name: str) -> Secret:
        from platform_cli.secrets.envfile import EnvFileBackend
        from platform_cli.secrets.model import SecretNotFound
        from platform_cli.secrets.status import rotate_command

        spec = self._manifest.secret(name)
        if spec is None:
            return self._from_env(
                name,
                f"{name} is neither declared in spec.secrets of {self._manifest.display} nor set in the "
                f"environment (declare it with a backend, then run `{rotate_command(name)}`)",
            )
        backend = self._backend(spec)
        missing = (
            f"{name} has no current value in {spec.backend} {backend.location}: run `{rotate_command(name)}`"
        )
        if isinstance(backend, EnvFileBackend) and not backend.path.exists():
            return self._from_env(name, missing)
        served = backend.serving()
        if served.current is None:
            if isinstance(backend, EnvFileBackend):
                return self._from_env(name, missing)
            raise SecretNotFound(missing)
        previous = None
        if served.previous is not None:
            previous = Secret(name, served.previous, version=served.previous_version, backend=spec.backend)
        return Secret(
            name, served.current, version=served.current_version, backend=spec.backend, previous=previous
        )


def state_url_secrets(manifest: Manifest) -> Callable[[str], str] | None:
    """name -> value of a declared secret, for the `${NAME}` references of spec.state.url (see
    manifest.resolve_state_url); None when no reference names a declared secret.

    Only code that hands the URL straight to a database driver may use it: the value must never be shown.
    """
    from platform_cli.manifest import state_secret_references

    if not state_secret_references(manifest):
        return None
    reader = SecretReader(manifest)

    def value(name: str) -> str:
        return reader.get(name).reveal()

    return value
