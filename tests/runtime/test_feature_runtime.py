"""Feature.complete / chat on real stores (SQLite and PostgreSQL): versions served, cache, turns, usage."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from llm_server import OPENAI_PATH, LLMServer, Reply, openai_body, running_llm_server
from runtime_support import CHAT, SUMMARIZE, openai_entry, publish_prompts, write_feature

from platform_cli.errors import UserError
from platform_cli.prompts import load_prompt
from platform_cli.prompts.labels import promote
from platform_cli.prompts.portfolio import allocate
from platform_cli.prompts.versions import publish
from platform_cli.runtime import AllProvidersFailed, Feature, conversation_history
from platform_cli.secrets import Secret
from platform_cli.store import Store, open_store
from platform_cli.store.engine import utc_timestamp

TICKET = {"ticket": "My card was charged twice in March."}


@pytest.fixture
def repo(tmp_path: Path, store_url: str) -> Path:
    root = write_feature(tmp_path / "repo")
    publish_prompts(root, store_url)  # a shared store is published by CI, never on first use
    return root


@pytest.fixture
def feature(repo: Path, store_url: str) -> Iterator[Feature]:
    with Feature.load(repo, state_url=store_url) as loaded:
        yield loaded


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with open_store(store_url) as opened:
        yield opened


def test_complete_reports_exactly_what_served(feature: Feature, store_url: str) -> None:
    first = feature.complete("summarize", TICKET, user="u-1", segment="billing")
    published_here = "file" if store_url.startswith("sqlite") else "store"  # first use, or CI published it
    assert (first.prompt, first.prompt_version, first.label, first.prompt_source) == (
        "summarize",
        1,
        "production",
        published_here,
    )
    assert first.prompt_hash == load_prompt(feature.root / "prompts", "summarize").content_hash
    assert (first.provider, first.model, first.fallback_used, first.cache_hit) == (
        "primary", "fake-chat-2025-01-01", False, False)  # fmt: skip
    assert first.usage.input_tokens > 0 and first.usage.output_tokens > 0
    # priced from the bundled table: the fake model bills nothing (a model with no price would be None)
    assert first.latency_s > 0 and first.attempts == 1 and first.cost_usd == 0.0
    assert first.variant is None and first.cohort is None  # no allocation: the label serves


def test_a_repeated_request_is_a_cache_hit_until_its_version_is_purged(
    feature: Feature, store: Store
) -> None:
    miss = feature.complete("summarize", TICKET)
    assert feature.flush()
    assert store.count_cached_responses("summarize", 1) == 1
    hit = feature.complete("summarize", TICKET)
    assert (hit.cache_hit, hit.text, hit.prompt_version, hit.provider) == (True, miss.text, 1, "primary")
    assert hit.usage.total_tokens == 0 and hit.attempts == 0
    assert feature.complete("summarize", {"ticket": "Something else"}).cache_hit is False
    assert feature.flush()

    assert store.purge_cached_responses("summarize", 1) == 2  # a rollback purges exactly this version's
    assert feature.complete("summarize", TICKET).cache_hit is False


def test_cache_entries_expire(repo: Path, store_url: str) -> None:
    # the TTL leaves room for a loaded CI machine between the write and the hit
    with Feature.load(repo, state_url=store_url, cache_ttl_s=2.0) as feature:
        feature.complete("summarize", TICKET)
        feature.flush()
        assert feature.complete("summarize", TICKET).cache_hit is True
        time.sleep(2.1)
        assert feature.complete("summarize", TICKET).cache_hit is False


def test_a_new_version_misses_the_cache_and_is_reported(feature: Feature, store: Store) -> None:
    assert feature.complete("summarize", TICKET).prompt_version == 1
    feature.flush()
    path = feature.root / "prompts" / "summarize.yaml"
    edited = {**SUMMARIZE, "parameters": {"temperature": 0, "max_tokens": 32}}
    path.write_text(yaml.safe_dump(edited, sort_keys=False), encoding="utf-8")
    published = publish(store, load_prompt(feature.root / "prompts", "summarize"), author="t@example.com")
    promote(store, "summarize", published.version, "production", author="t@example.com", reason="shorter")
    feature.resolver.invalidate()  # other processes see the move within the resolver's TTL

    result = feature.complete("summarize", TICKET)
    assert (result.prompt_version, result.cache_hit) == (2, False)


def test_allocated_variant_and_cohort_are_sticky_per_user(feature: Feature, store: Store) -> None:
    feature.complete("summarize", TICKET)  # publishes v1
    prompts = feature.root / "prompts"
    (prompts / "summarize.yaml").write_text(
        yaml.safe_dump({**SUMMARIZE, "parameters": {"temperature": 0.5}}, sort_keys=False), encoding="utf-8"
    )
    publish(store, load_prompt(prompts, "summarize"), author="t@example.com")
    allocate(store, "summarize", {"v2": 5000}, author="t@example.com", reason="A/B")
    feature.resolver.invalidate()

    served = {}
    for user in [f"user-{n}" for n in range(40)]:
        result = feature.complete("summarize", TICKET, user=user)
        again = feature.complete("summarize", TICKET, user=user)
        assert (again.variant, again.cohort, again.prompt_version) == (
            result.variant,
            result.cohort,
            result.prompt_version,
        )
        assert result.cohort is not None and 0 <= result.cohort < 10_000
        served[result.variant] = result.prompt_version
    assert served == {"control": 1, "v2": 2}  # 40 users split between the two


def test_undeclared_segment_is_refused(feature: Feature) -> None:
    with pytest.raises(UserError, match=r"segment 'retail' is not declared in .*ai-feature\.yaml"):
        feature.complete("summarize", TICKET, segment="retail")


def test_usage_events_one_per_call_with_every_field(feature: Feature, store: Store) -> None:
    feature.complete("summarize", TICKET, user="alice", segment="billing")
    feature.complete("summarize", TICKET, user="alice", segment="billing")  # cache hit
    feature.chat("conv-1", "Hello", user="bob")
    assert feature.flush()
    events = store.usage_events(feature.name)
    assert [(e.operation, e.cache_hit) for e in events] == [
        ("complete", False),
        ("complete", True),
        ("chat", False),
    ]
    miss, hit, chat = events
    assert (miss.prompt, miss.prompt_version, miss.label, miss.segment) == (
        "summarize",
        1,
        "production",
        "billing",
    )
    assert (miss.provider, miss.model, miss.finish_reason, miss.refusal) == (
        "primary", "fake-chat-2025-01-01", "stop", False)  # fmt: skip
    assert miss.input_tokens > 0 and miss.output_tokens > 0 and miss.latency_ms > 0 and miss.attempts == 1
    assert (miss.fallback_used, miss.error, miss.cost_usd) == (False, None, 0.0)
    assert miss.price_version is not None and miss.price_version.startswith("p-")
    assert miss.malformed is None  # the prompt declares no output_schema
    assert (hit.input_tokens, hit.output_tokens, hit.attempts) == (0, 0, 0)
    assert miss.user_hash == hit.user_hash != chat.user_hash
    assert miss.user_hash and "alice" not in miss.user_hash
    assert (chat.prompt, chat.conversation_id, chat.segment) == ("chat", "conv-1", None)
    assert miss.at <= hit.at <= chat.at


def test_all_providers_failing_records_an_error_event(repo: Path, store_url: str, store: Store) -> None:
    with Feature.load(repo, state_url=store_url, fail_providers={"primary"}) as feature:
        with pytest.raises(AllProvidersFailed, match=r"primary \(injected\)"):
            feature.complete("summarize", TICKET)
        assert feature.flush()
    (event,) = store.usage_events("runtime-test")
    assert (event.provider, event.model, event.error, event.input_tokens) == (
        None,
        None,
        "primary: injected",
        0,
    )


def test_concurrent_threads_each_get_their_own_connection(feature: Feature, store: Store) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(10):
                feature.complete("summarize", {"ticket": f"thread {n} ticket {i}"})
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert feature.flush()
    assert len(store.usage_events(feature.name)) == 40


# --- chat and history ------------------------------------------------------------------------------------
@pytest.fixture
def server() -> Iterator[LLMServer]:
    with running_llm_server() as running:
        yield running


def test_chat_sends_history_and_saves_tagged_turns(
    tmp_path: Path, server: LLMServer, store_url: str, store: Store
) -> None:
    repo = write_feature(tmp_path / "repo", [openai_entry(server.base_url)])
    publish_prompts(repo, store_url)
    server.script(
        OPENAI_PATH,
        Reply(body=openai_body("Hi! How can I help?")),
        Reply(body=openai_body("It is on its way.")),
    )
    with Feature.load(repo, state_url=store_url, secrets=lambda name: Secret(name, "sk-test")) as feature:
        first = feature.chat("conv-7", "Hello", user="u-9", variables={"product": "Acme Pay"})
        second = feature.chat("conv-7", "Where is my refund?", user="u-9", variables={"product": "Acme Pay"})

    assert (first.history_turns, second.history_turns) == (0, 2)
    assert second.conversation_id == "conv-7" and second.text == "It is on its way."
    assert server.last(OPENAI_PATH).body["messages"] == [
        {"role": "system", "content": "You are the support agent for Acme Pay. Be brief."},
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Hi! How can I help?"},
        {"role": "user", "content": "Where is my refund?"},
    ]
    turns = store.all_turns("conv-7")
    assert [(t.role, t.content) for t in turns] == [
        ("user", "Hello"), ("assistant", "Hi! How can I help?"),
        ("user", "Where is my refund?"), ("assistant", "It is on its way."),
    ]  # fmt: skip
    for turn in turns:
        assert (turn.prompt, turn.prompt_version, turn.provider, turn.model) == (
            "chat", 1, "primary", "gpt-4o-2024-08-06")  # fmt: skip
        assert turn.prompt_hash == first.prompt_hash and turn.feature == "runtime-test"
        assert turn.user_hash and "u-9" not in turn.user_hash
    assert turns[0].exchange_id == turns[1].exchange_id != turns[2].exchange_id


def test_quarantined_turns_never_reach_the_next_call(feature: Feature, store: Store) -> None:
    feature.chat("conv-q", "First question")
    feature.chat("conv-q", "Second question")
    assert len(feature.history("conv-q")) == 4
    assert store.quarantine_turns("chat", 1, "rollback of chat v1", utc_timestamp()) == 4
    assert conversation_history(store, "conv-q") == [] == feature.history("conv-q")
    third = feature.chat("conv-q", "Third question")
    assert third.history_turns == 0
    assert [t.quarantined_at is not None for t in store.all_turns("conv-q")] == [True] * 4 + [False] * 2


def test_history_is_capped_and_starts_with_a_user_turn(repo: Path, store_url: str) -> None:
    with Feature.load(repo, state_url=store_url, max_history_turns=3) as feature:
        for n in range(3):
            feature.chat("conv-cap", f"Question {n}")
        history = feature.history("conv-cap")
    # the last 3 turns are [a1, u2, a2]; a history never starts with an answer
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert history[0]["content"] == "Question 2"


def test_chat_with_an_unknown_prompt_names_it(feature: Feature) -> None:
    with pytest.raises(UserError, match="triage"):
        feature.chat("conv-x", "Hello", prompt="triage")


def test_load_accepts_a_directory_a_manifest_path_or_a_subdirectory(repo: Path, store_url: str) -> None:
    (repo / "src" / "pkg").mkdir(parents=True)
    for target in (repo, repo / "ai-feature.yaml", repo / "src" / "pkg"):
        with Feature.load(target, state_url=store_url) as feature:
            assert feature.root == repo.resolve() and feature.name == "runtime-test"
    assert CHAT["name"] == "chat"


@pytest.mark.postgres
def test_a_feature_will_not_start_against_a_shared_store_with_unpublished_prompts(
    tmp_path: Path, postgres_url: str
) -> None:
    """Observed: the first call published v1 and moved production. Against a shared store running code
    never writes the registry: loading fails, naming the commands (publishing belongs to CI, after the
    eval gate)."""
    from platform_cli.prompts.errors import PromptUnpublished

    repo = write_feature(tmp_path / "repo")
    with pytest.raises(PromptUnpublished, match=r"prompts 'chat', 'summarize' have no published version"):
        Feature.load(repo, state_url=postgres_url)
    with open_store(postgres_url) as store:
        assert (
            store.latest_prompt_version("summarize") is None and store.prompt_label_moves("summarize") == []
        )
    publish_prompts(repo, postgres_url)
    with Feature.load(repo, state_url=postgres_url) as feature:
        assert feature.complete("summarize", TICKET).prompt_source == "store"
