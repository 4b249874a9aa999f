"""One store-connection policy: one connection per serving thread, migrations checked once per open.

The counts come from wrapping the real functions (every connection is still a real SQLite connection):
`open_engine` opens one connection, `check_migrations` validates the migration list.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from runtime_support import write_feature

import platform_cli.store.migrations as runner
import platform_cli.store.store as store_module
from platform_cli.runtime import Feature
from platform_cli.store import StoreError, open_store
from platform_cli.store.connections import StoreLink


def _counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> Counter[int]:
    """Wrap `module.name` so that every call is counted by calling thread; the real function still runs."""
    real: Callable[..., Any] = getattr(module, name)
    calls: Counter[int] = Counter()

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[threading.get_ident()] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_each_serving_thread_opens_one_connection_for_the_runtime_and_its_resolver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = write_feature(tmp_path / "repo")
    opened = _counting(monkeypatch, store_module, "open_engine")
    serving: set[int] = set()
    with Feature.load(repo, state_url=f"sqlite:///{tmp_path / 'state.db'}") as feature:

        def serve(n: int) -> None:
            serving.add(threading.get_ident())
            feature.complete("summarize", {"ticket": f"ticket {n}"}, user=f"user-{n}")
            feature.chat(f"conv-{n}", "hello", user=f"user-{n}")
            feature.chat(f"conv-{n}", "and then?")
            assert len(feature.history(f"conv-{n}")) == 4

        threads = [threading.Thread(target=serve, args=(n,)) for n in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert feature.flush()
        assert len(feature.usage_events()) == 9
    assert len(serving) == 3
    assert {thread: opened[thread] for thread in serving} == {thread: 1 for thread in serving}
    writer = set(opened) - serving - {threading.get_ident()}
    assert sum(opened[thread] for thread in writer) == 1  # the background writer's own connection


def test_opening_a_store_checks_the_migration_list_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counters = [
        _counting(monkeypatch, module, "check_migrations")
        for module in (store_module, runner)
        if hasattr(module, "check_migrations")  # wherever the store's modules call it from
    ]
    url = f"sqlite:///{tmp_path / 'state.db'}"
    for _ in range(2):  # a new database, then an up-to-date one
        with open_store(url):
            pass
        assert sum(sum(counter.values()) for counter in counters) == 1
        for counter in counters:
            counter.clear()


def test_a_link_verifies_the_schema_on_its_first_open_only_until_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = _counting(monkeypatch, runner, "read_applied")
    link = StoreLink(f"sqlite:///{tmp_path / 'state.db'}", retry_s=0.0)
    link.require()
    first = sum(reads.values())
    assert first >= 1

    other = threading.Thread(target=link.require)
    other.start()
    other.join()
    assert sum(reads.values()) == first  # another thread's connection: no second schema check
    assert link.opened == 2

    link.failed(StoreError("connection reset"))
    assert link.require() is not None
    assert sum(reads.values()) > first  # after a failure the next open verifies the schema again
    link.close()


def test_a_link_backs_off_after_a_failure_then_reconnects(tmp_path: Path) -> None:
    now = [100.0]
    link = StoreLink(f"sqlite:///{tmp_path / 'state.db'}", retry_s=5.0, clock=lambda: now[0])
    first = link.get()
    assert first is not None and link.get() is first  # reused
    link.failed(StoreError("server closed the connection"))
    assert (link.get(), link.down, link.down_reason) == (None, True, "server closed the connection")
    now[0] += 5.0
    second = link.get()
    assert second is not None and second is not first and not link.down
    link.close()


def test_a_link_that_cannot_open_backs_off_and_says_why(tmp_path: Path) -> None:
    (tmp_path / "state.db").mkdir()  # SQLite cannot open a directory
    link = StoreLink(f"sqlite:///{tmp_path / 'state.db'}", retry_s=60.0)
    assert link.get() is None
    assert link.down and "state.db" in (link.down_reason or "")
    assert link.opened == 0
