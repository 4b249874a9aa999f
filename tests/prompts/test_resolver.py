"""The runtime resolver: first use, TTL cache across two real processes, last-known-good, cohorts."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from prompt_helpers import edit_prompt
from runtime_support import publish_prompts

from platform_cli.errors import InvalidFile
from platform_cli.prompts import PromptResolver
from platform_cli.prompts.errors import PromptUnavailable, PromptUnpublished, UnknownLabel
from platform_cli.prompts.files import load_prompt
from platform_cli.prompts.labels import promote
from platform_cli.prompts.lkg import store_key
from platform_cli.prompts.portfolio import allocate
from platform_cli.prompts.versions import publish
from platform_cli.store import Store, open_store

WORKER = Path(__file__).with_name("resolver_worker.py")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _publish_two_versions(store: Store, repo: Path) -> None:
    publish(store, load_prompt(repo / "prompts", "summarize"), author="jane")
    edit_prompt(repo, "summarize", "in two sentences", "in three sentences")
    publish(store, load_prompt(repo / "prompts", "summarize"), author="jane")


def _resolver(state: str, repo: Path, **kwargs: object) -> PromptResolver:
    return PromptResolver(state, repo / "prompts", lkg_dir=repo / ".platform" / "lkg", **kwargs)  # type: ignore[arg-type]


def _unreachable(tmp_path: Path, store_url: str) -> str:
    """Take the store at `store_url` down and return the same URL (the last-known-good copy is per store)."""
    if store_url.startswith("sqlite"):
        database = Path(store_url[len("sqlite:///") :])
        if database.exists():
            database.replace(database.with_name(database.name + ".away"))
        database.mkdir()  # SQLite cannot open a directory as its database
        return store_url
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1wrong-password@", store_url)  # authentication fails


@pytest.fixture
def local_state(repo: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The local SQLite store of day 0: the only kind a running feature publishes into on first use."""
    url = f"sqlite:///{repo / '.platform' / 'state.db'}"
    monkeypatch.setenv("PLATFORM_STATE_URL", url)
    return url


def test_first_use_publishes_the_file_as_v1_and_points_production_at_it(repo: Path, local_state: str) -> None:
    state = local_state
    resolver = _resolver(state, repo)
    first = resolver.resolve("summarize")
    assert (first.name, first.version, first.label, first.source) == ("summarize", 1, "production", "file")
    assert first.content_hash == load_prompt(repo / "prompts", "summarize").content_hash
    assert resolver.resolve("summarize").source == "cache"
    assert first.render({"ticket": "Charged twice."})[1] == {"role": "user", "content": "Charged twice."}
    assert first.parameters == {"temperature": 0.2, "max_tokens": 200}
    resolver.close()
    with open_store(state) as store:
        moves = store.prompt_label_moves("summarize")
        assert [(m.label, m.from_version, m.to_version, m.reason) for m in moves] == [
            ("production", None, 1, "published on first use")
        ]
    assert _resolver(state, repo).resolve("summarize").source == "store"  # a new process reads the store


def test_first_use_never_invents_other_labels_or_overrides_a_registry_in_use(
    repo: Path, store: Store, state: str
) -> None:
    resolver = _resolver(state, repo)
    with pytest.raises(UnknownLabel, match=r"prompt 'summarize' has no label 'canary'"):
        resolver.resolve("summarize", label="canary")
    publish(store, load_prompt(repo / "prompts", "summarize"), author="jane")
    with pytest.raises(UnknownLabel, match=r"has no label 'production' \(labels: none\)"):
        resolver.resolve("summarize")
    assert store.prompt_label("summarize", "production") is None


def test_a_label_moved_in_the_same_store_is_seen_once_the_ttl_expires(
    repo: Path, store: Store, state: str
) -> None:
    _publish_two_versions(store, repo)
    promote(store, "summarize", 1, "production", author="jane", reason="launch")
    clock = FakeClock()
    resolver = _resolver(state, repo, ttl_s=30.0, clock=clock)
    assert resolver.resolve("summarize").version == 1
    promote(store, "summarize", 2, "production", author="jane", reason="better")
    clock.now += 29.9
    assert (resolver.resolve("summarize").version, resolver.resolve("summarize").source) == (1, "cache")
    clock.now += 0.2
    latest = resolver.resolve("summarize")
    assert (latest.version, latest.source) == (2, "store")
    assert latest.prompt.render({"ticket": "t"})[0]["content"].endswith("in three sentences.")


@pytest.fixture
def worker(repo: Path, state: str, request: pytest.FixtureRequest) -> Iterator[subprocess.Popen[str]]:
    args = getattr(request, "param", ("0.5",))
    process = subprocess.Popen(
        [sys.executable, str(WORKER), state, str(repo / "prompts"), str(repo / ".platform" / "lkg"), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    yield process
    if process.poll() is None:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=10)


def _ask(process: subprocess.Popen[str], command: str) -> str:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(command + "\n")
    process.stdin.flush()
    return process.stdout.readline().strip()


def _resolve_in(process: subprocess.Popen[str]) -> tuple[int, str]:
    answer = json.loads(_ask(process, "resolve"))
    return answer["version"], answer["source"]


def test_another_process_sees_a_label_move_within_its_ttl(
    repo: Path, store: Store, worker: subprocess.Popen[str]
) -> None:
    _publish_two_versions(store, repo)
    promote(store, "summarize", 1, "production", author="jane", reason="launch")
    assert _resolve_in(worker) == (1, "store")

    promote(store, "summarize", 2, "production", author="raj", reason="better")  # this process moves it
    assert _resolve_in(worker) == (1, "cache")  # the other still serves its cached lookup ...
    assert _ask(worker, "advance 0.49") == "ok"
    assert _resolve_in(worker) == (1, "cache")
    assert _ask(worker, "advance 0.02") == "ok"
    assert _resolve_in(worker) == (2, "store")  # ... until its TTL (0.5 s) is up


@pytest.mark.parametrize("worker", [("0.3", "real")], indirect=True)
def test_with_a_real_clock_and_a_short_ttl_the_move_arrives(
    repo: Path, store: Store, worker: subprocess.Popen[str]
) -> None:
    _publish_two_versions(store, repo)
    promote(store, "summarize", 1, "production", author="jane", reason="launch")
    assert _resolve_in(worker)[0] == 1
    promote(store, "summarize", 2, "production", author="raj", reason="better")
    moved = time.monotonic()
    while _resolve_in(worker)[0] != 2:
        # 0.3 s TTL; the generous bound only keeps a broken resolver from hanging the suite
        assert time.monotonic() - moved < 10, "the other process never saw the move"
        time.sleep(0.02)


def test_a_cold_start_with_the_store_down_serves_the_last_known_good_version(
    repo: Path, store: Store, state: str, store_url: str, tmp_path: Path
) -> None:
    _publish_two_versions(store, repo)
    promote(store, "summarize", 2, "production", author="jane", reason="launch")
    warm = _resolver(state, repo)
    assert warm.resolve("summarize").version == 2  # saves the copy on disk
    warm.close()

    cold = _resolver(_unreachable(tmp_path, store_url), repo)
    served = cold.resolve("summarize")
    assert (served.version, served.source, served.label) == (2, "last-known-good", "production")
    assert "state store unreachable" in served.detail and "copy saved" in served.detail
    assert "wrong-password" not in served.detail
    assert served.render({"ticket": "t"})[0]["content"].endswith("in three sentences.")
    assert cold.resolve("summarize").source == "last-known-good"  # says so on every call, not just the first


def test_a_cold_start_with_the_store_down_and_no_copy_is_a_clear_error(
    repo: Path, store_url: str, tmp_path: Path
) -> None:
    cold = _resolver(_unreachable(tmp_path, store_url), repo)
    with pytest.raises(
        PromptUnavailable, match=r"state store is unreachable .* no last-known-good copy"
    ) as e:
        cold.resolve("summarize")
    assert "wrong-password" not in str(e.value)


def test_a_tampered_copy_is_not_served(repo: Path, state: str, store_url: str, tmp_path: Path) -> None:
    publish_prompts(repo, state)
    _resolver(state, repo).resolve("summarize")
    copy = repo / ".platform" / "lkg" / store_key(state) / "summarize" / "label.production.json"
    data = json.loads(copy.read_text(encoding="utf-8"))
    data["content"] = data["content"].replace("two sentences", "ten sentences")
    copy.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(PromptUnavailable):
        _resolver(_unreachable(tmp_path, store_url), repo).resolve("summarize")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("{{ segment }} queue", "support queue", r"yaml:8:\d+: \$\.variables\.segment: .*declared but no"),
        ("provider: primary", "provider: secondary", r"summarize\.yaml:4:\d+: .*'secondary' is not declared"),
    ],
)
def test_first_use_refuses_what_publish_would_refuse(
    repo: Path, local_state: str, old: str, new: str, expected: str
) -> None:
    edit_prompt(repo, "summarize", old, new)
    with pytest.raises(InvalidFile, match=expected) as caught:
        _resolver(local_state, repo).resolve("summarize")
    assert caught.value.exit_code == 2 and "platform prompts lint" in str(caught.value)
    with open_store(local_state) as store:
        assert store.latest_prompt_version("summarize") is None  # nothing was published


@pytest.mark.postgres
def test_running_code_never_publishes_into_a_shared_store(repo: Path, postgres_url: str) -> None:
    """Observed: the first call published v1 and moved production, so running code changed what the gate
    reports, and against a shared store it would bypass review."""
    with pytest.raises(PromptUnpublished) as caught:
        _resolver(postgres_url, repo).resolve("summarize")
    message = str(caught.value)
    assert "shared state store" in message and "platform prompts publish summarize" in message
    assert "platform prompts promote summarize" in message and caught.value.exit_code == 2
    with open_store(postgres_url) as store:
        assert store.latest_prompt_version("summarize") is None
        assert store.prompt_label_moves("summarize") == []
    publish_prompts(repo, postgres_url)  # what CI does after the eval gate
    served = _resolver(postgres_url, repo).resolve("summarize")
    assert (served.version, served.source) == (1, "store")


def test_two_stores_sharing_a_repo_keep_their_own_copies(repo: Path, state: str, tmp_path: Path) -> None:
    # The live store serves v2; the repo's tests use a temporary store, where first use publishes the file.
    with open_store(state) as live:
        _publish_two_versions(live, repo)
        promote(live, "summarize", 2, "production", author="jane", reason="two sentences were too few")
    _resolver(state, repo).resolve("summarize")
    temporary = f"sqlite:///{tmp_path / 'test-run.db'}"
    edit_prompt(repo, "summarize", "in three sentences", "in four sentences")
    assert _resolver(temporary, repo).resolve("summarize").version == 1  # the edited file, as v1 there
    assert store_key(temporary) != store_key(state)

    served = _resolver(_unreachable(tmp_path, state), repo).resolve("summarize")
    assert (served.version, served.source) == (2, "last-known-good")
    assert served.render({"ticket": "t"})[0]["content"].endswith("in three sentences.")


def test_a_store_that_fails_mid_run_keeps_serving_what_was_resolved(repo: Path, state: str) -> None:
    clock = FakeClock()
    publish_prompts(repo, state)
    shared = open_store(state)
    resolver = PromptResolver(shared, repo / "prompts", ttl_s=1.0, lkg_dir=repo / "lkg", clock=clock)
    assert resolver.resolve("summarize").source == ("file" if state.startswith("sqlite") else "store")
    shared.close()  # every query now fails
    clock.now += 5
    served = resolver.resolve("summarize")
    assert (served.version, served.source) == (1, "last-known-good")
    assert "kept in memory" in served.detail


def test_cohorts_pick_sticky_variants_per_segment(repo: Path, store: Store, state: str) -> None:
    _publish_two_versions(store, repo)
    promote(store, "summarize", 1, "production", author="jane", reason="launch")
    allocate(store, "summarize", {"v2": 2500}, author="jane")
    allocate(store, "summarize", {"v2": 0}, segment="account", segments=("billing", "account"), author="jane")
    resolver = _resolver(state, repo)

    served = [resolver.resolve("summarize", key=f"user-{i}", segment="billing") for i in range(4000)]
    counts = Counter((r.variant, r.version) for r in served)
    assert set(counts) == {("control", 1), ("v2", 2)}
    assert abs(counts[("v2", 2)] / 4000 - 0.25) < 0.03
    assert {r.segment for r in served} == {"*"}  # billing has no allocation of its own

    account = {resolver.resolve("summarize", key=f"user-{i}", segment="account").variant for i in range(500)}
    assert account == {"control"}  # account's own allocation: 100% control

    again = _resolver(state, repo)  # another process: the same users get the same variants
    assert all(
        again.resolve("summarize", key=f"user-{i}", segment="billing").variant == served[i].variant
        for i in range(0, 4000, 7)
    )
    assert resolver.resolve("summarize").variant is None  # without a key: the label only


def test_a_variant_can_follow_a_label(repo: Path, store: Store, state: str) -> None:
    _publish_two_versions(store, repo)
    promote(store, "summarize", 1, "production", author="jane", reason="launch")
    promote(store, "summarize", 2, "canary", author="jane")
    allocate(store, "summarize", {"canary": 10_000}, author="jane")
    resolved = _resolver(state, repo).resolve("summarize", key="user-1")
    assert (resolved.variant, resolved.label, resolved.version) == ("canary", "canary", 2)


def test_threads_sharing_a_resolver_each_get_their_own_connection(repo: Path, state: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    publish_prompts(repo, state)
    resolver = _resolver(state, repo, ttl_s=0.0)  # no cache: every resolve queries the store
    resolver.resolve("summarize")
    with ThreadPoolExecutor(max_workers=6) as pool:
        served = list(pool.map(lambda i: resolver.resolve("summarize", key=str(i)), range(300)))
    assert {(r.version, r.source) for r in served} == {(1, "store")}
    assert resolver.down_reason is None


def test_last_known_good_copies_are_whole_files_with_no_temporary_leftovers(repo: Path, state: str) -> None:
    publish_prompts(repo, state)
    _resolver(state, repo).resolve("summarize", key="user-1", segment="billing")
    directory = repo / ".platform" / "lkg" / store_key(state) / "summarize"
    saved = sorted(p.name for p in directory.iterdir())
    assert saved == ["allocation.billing.json", "label.production.json"]
    copy = json.loads((directory / "label.production.json").read_text())
    assert (copy["name"], copy["label"], copy["version"]) == ("summarize", "production", 1)
