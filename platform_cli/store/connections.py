"""The store-connection policy of long-running code (the feature runtime, its prompt resolver, its writer).

    link = StoreLink(url)            # one per feature; the resolver and the writer share it
    store = link.get()               # this thread's connection, or None while the store is down
    try:
        ...
    except StoreError as error:
        link.failed(error)           # back off, and reconnect on the next attempt after the pause

- One connection per thread, opened on first use and reused by every consumer sharing the link (a Store
  is not thread-safe). A forked child never reuses its parent's connection: it opens its own.
- Migrations are applied and verified on the first open in a process; a later open (another thread, or
  a reconnect) skips that check until a failure, after which the next open verifies again.
- After a failure, `get()` answers None for `retry_s` (callers serve without the store meanwhile) and
  the failing thread's connection is dropped, so the next attempt reconnects instead of reusing it.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable

from platform_cli.store.errors import StoreError
from platform_cli.store.store import Store, open_store
from platform_cli.store.urls import redact_url

RETRY_S = 5.0


class StoreLink:
    """Per-thread store connections to one URL with back-off and reconnect (see the module docstring)."""

    def __init__(
        self, url: str, *, retry_s: float = RETRY_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.url = url
        self.retry_s = retry_s
        self.down_reason: str | None = None
        self.opened = 0  # connections opened so far (all threads), for tests and diagnostics
        self._clock = clock
        self._local = threading.local()
        self._lock = threading.Lock()
        self._down_until = float("-inf")
        self._verified = False  # the schema was migrated/verified by this process since the last failure

    @property
    def down(self) -> bool:
        """True while backing off after a failure."""
        return self._clock() < self._down_until

    def get(self) -> Store | None:
        """This thread's connection; None while backing off or when the store cannot be opened."""
        if self._clock() < self._down_until:
            return None
        try:
            return self.require()
        except StoreError as error:
            self.failed(error)
            return None

    def require(self) -> Store:
        """This thread's connection, opened now if needed (ignores the back-off). Raises StoreError."""
        local = self._local
        store: Store | None = getattr(local, "store", None)
        if store is not None and local.pid == os.getpid():
            return store
        store = open_store(self.url, migrate=not self._verified)
        with self._lock:
            self.opened += 1
            self._verified = True
        local.store, local.pid = store, os.getpid()
        return store

    def failed(self, error: BaseException) -> None:
        """A call on this thread's connection failed: back off for retry_s and drop the connection."""
        self.down_reason = str(error)
        self._down_until = self._clock() + self.retry_s
        self._verified = False
        self.close()

    def close(self) -> None:
        """Close this thread's connection (a later get() opens a new one)."""
        store: Store | None = getattr(self._local, "store", None)
        self._local.store = None
        if store is not None and self._local.pid == os.getpid():
            with contextlib.suppress(StoreError):
                store.close()

    def __repr__(self) -> str:
        return f"<StoreLink {redact_url(self.url)}{' down' if self.down else ''}>"
