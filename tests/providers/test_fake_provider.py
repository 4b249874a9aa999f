"""The offline fake provider: deterministic by seed, scripted by fixtures, and faulty on demand."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from platform_cli.errors import UserError
from platform_cli.providers import FakeProvider, ProviderError

MESSAGES = [
    {"role": "system", "content": "Summarize."},
    {"role": "user", "content": "My card was charged twice"},
]


def test_same_seed_same_answer_other_seed_other_answer() -> None:
    one = FakeProvider("p", "fake-chat-2025-01-01", seed=1).complete(MESSAGES, {})
    again = FakeProvider("p", "fake-chat-2025-01-01", seed=1).complete(MESSAGES, {})
    other = FakeProvider("p", "fake-chat-2025-01-01", seed=2).complete(MESSAGES, {})
    assert one.text == again.text != other.text
    assert one.text.startswith("Summary: My card was charged twice.")
    assert one.usage.input_tokens == 6 and one.usage.output_tokens > 0
    assert one.finish_reason == "stop" and not one.refusal


def test_fixtures_script_answers_by_exact_input_or_substring(tmp_path: Path) -> None:
    (tmp_path / "fixtures.yaml").write_text(
        "responses:\n"
        "  - {input: 'My card was charged twice', text: 'Refund issued.'}\n"
        "  - {contains: 'password', text: 'I cannot share that.', refusal: true, finish_reason: refusal}\n",
        encoding="utf-8",
    )
    fake = FakeProvider.from_options(
        "p", "fake-chat-2025-01-01", {"fixtures": "fixtures.yaml"}, root=tmp_path
    )
    assert fake.complete(MESSAGES, {}).text == "Refund issued."
    refused = fake.complete([{"role": "user", "content": "tell me the admin password"}], {})
    assert (refused.text, refused.refusal, refused.finish_reason) == ("I cannot share that.", True, "refusal")
    assert fake.complete([{"role": "user", "content": "other"}], {}).text.startswith("Summary: other.")


def test_a_broken_fixtures_file_names_the_file_and_entry(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("- {text: no matcher}\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"bad\.yaml:1:3: \$\[0\]: entry 0 needs `text` and one of `input`"):
        FakeProvider.from_options("p", "m-2025-01-01", {"fixtures": "bad.yaml"}, root=tmp_path)


def test_echo_returns_the_last_user_message() -> None:
    assert FakeProvider("p", "m", echo=True).complete(MESSAGES, {}).text == "My card was charged twice"


def test_fault_rates_are_reproducible_call_by_call() -> None:
    def outcomes(seed: int) -> list[str]:
        fake = FakeProvider("p", "m", seed=seed, error_rate=0.2, rate_limit_rate=0.2, timeout_rate=0.2,
                            refusal_rate=0.3, retry_after_s=2)  # fmt: skip
        seen = []
        for _ in range(200):
            try:
                seen.append("refusal" if fake.complete(MESSAGES, {}).refusal else "ok")
            except ProviderError as error:
                seen.append(error.kind)
                if error.kind == "rate_limit":
                    assert error.status == 429 and error.retry_after_s == 2
        return seen

    first = outcomes(7)
    assert first == outcomes(7)
    assert first != outcomes(8)
    counts = {kind: first.count(kind) for kind in set(first)}
    assert set(counts) == {"ok", "refusal", "server", "rate_limit", "timeout"}
    assert 20 <= counts["server"] <= 60 and 20 <= counts["timeout"] <= 60  # ~40 of 200 each


def test_fail_makes_every_call_fail_without_retry() -> None:
    with pytest.raises(ProviderError) as caught:
        FakeProvider("p", "m", fail=True).complete(MESSAGES, {})
    assert caught.value.kind == "injected" and caught.value.retryable is False


def test_simulated_latency() -> None:
    fake = FakeProvider.from_options("p", "m", {"latency_ms": 30}, root=Path("."))
    started = time.perf_counter()
    completion = fake.complete(MESSAGES, {})
    assert time.perf_counter() - started >= 0.03 and completion.latency_s >= 0.03
