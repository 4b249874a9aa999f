"""The public API (`platform_cli.api`) is a contract: its names and their signatures are pinned here.

The classes below are the contract written as stubs: each method's signature, each dataclass's fields. A
change to the real module must stay compatible with them: a parameter may be added only with a default,
a field may be added, nothing pinned may be removed, renamed, reordered, re-typed or change its default.
A deliberate, breaking change edits this file, and needs a new minor (before 1.0) or major version.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from platform_cli import api

if TYPE_CHECKING:  # names the pinned annotations mention (compared as text, never evaluated)
    from platform_cli.providers import Provider, ProviderError
    from platform_cli.providers.fake import Fixture
    from platform_cli.secrets import Secret
    from platform_cli.store import Store
    from platform_cli.store.connections import StoreLink

# The stubs below are never called: their signatures are compared with the real ones.


class Feature:
    @classmethod
    def load(
        cls,
        repo: Path | str | Manifest | None = None,
        *,
        fail_providers: Iterable[str] = (),
        fallbacks: Sequence[Provider] = (),
        offline: bool | None = None,
        state_url: str | None = None,
        cache_ttl_s: float = 3600.0,
        max_history_turns: int = 50,
        secrets: Callable[[str], Secret] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        registry_ttl_s: float = 30.0,
        lkg_dir: Path | None = None,
    ) -> Feature: ...

    def complete(
        self,
        prompt: str,
        variables: Mapping[str, Any],
        *,
        user: str | None = None,
        segment: str | None = None,
        label: str | None = None,
    ) -> Result: ...

    def chat(
        self,
        conversation_id: str,
        message: str,
        *,
        user: str | None = None,
        prompt: str = "chat",
        variables: Mapping[str, Any] | None = None,
        segment: str | None = None,
        label: str | None = None,
    ) -> Result: ...

    def history(self, conversation_id: str) -> list[dict[str, str]]: ...

    def usage_events(self, *, since: str = "", timeout_s: float = 10.0) -> list[UsageEvent]: ...

    def provider_states(self) -> dict[str, str]: ...

    def flush(self, timeout_s: float = 10.0) -> bool: ...

    def close(self) -> None: ...

    def __enter__(self) -> Feature: ...

    def __exit__(self, *exc: object) -> None: ...

    ATTRIBUTES = ("name", "manifest", "state_url", "providers")


class Result:
    FIELDS = (
        "text", "prompt", "prompt_version", "provider", "model", "usage", "latency_s", "fallback_used",
        "cache_hit", "finish_reason", "refusal", "prompt_hash", "label", "variant", "cohort",
        "prompt_source", "attempts", "system_fingerprint", "conversation_id", "history_turns",
        "history_source", "cost_usd", "malformed",
    )  # fmt: skip
    PROPERTIES = ("latency_ms",)


class Usage:
    FIELDS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens")
    PROPERTIES = ("uncached_input_tokens", "cached_input_tokens", "total_tokens")


class UsageEvent:
    FIELDS = (
        "at", "feature", "operation", "prompt", "prompt_version", "prompt_hash", "label", "variant",
        "segment", "user_hash", "conversation_id", "provider", "model", "input_tokens", "output_tokens",
        "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "latency_ms", "finish_reason",
        "refusal", "cache_hit", "fallback_used", "attempts", "error", "cost_usd", "provider_kind",
    )  # fmt: skip


class FakeProvider:
    def __init__(
        self,
        name: str,
        model: str,
        *,
        seed: int = 0,
        fail: bool = False,
        fixtures: Sequence[Fixture] = (),
        echo: bool = False,
        latency_s: float = 0.0,
        error_rate: float = 0.0,
        rate_limit_rate: float = 0.0,
        timeout_rate: float = 0.0,
        refusal_rate: float = 0.0,
        retry_after_s: float | None = None,
    ) -> None: ...

    ATTRIBUTES = ("calls", "name", "model")


class PromptResolver:
    def __init__(
        self,
        store: Store | str | StoreLink,
        prompts_dir: Path,
        *,
        ttl_s: float = 30.0,
        lkg_dir: Path | None = None,
        author: str | None = None,
        retry_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        providers: Sequence[str] | None = None,
    ) -> None: ...

    def resolve(
        self, name: str, *, label: str = "production", key: str | None = None, segment: str | None = None
    ) -> ResolvedPrompt: ...

    def invalidate(self) -> None: ...

    def close(self) -> None: ...


class ResolvedPrompt:
    FIELDS = ("name", "version", "content_hash", "variant", "label", "source", "prompt", "bucket", "segment")
    PROPERTIES = ("parameters",)

    def render(self, variables: Mapping[str, Any]) -> list[dict[str, str]]: ...


class Manifest:
    FIELDS = ("path", "name", "owner", "eval_owners", "lifecycle", "providers", "segments", "state_url")
    PROPERTIES = ("root", "display", "primary")


class Problem:
    FIELDS = ("file", "line", "column", "path", "message", "hint")

    def render(self) -> str: ...

    def as_dict(self) -> dict[str, object]: ...


class AllProvidersFailed:
    BASES = ("PlatformError",)

    def __init__(self, prompt: str, failures: Sequence[ProviderError]) -> None: ...


class PlatformError:
    BASES = ("Exception",)


class UserError:
    BASES = ("PlatformError",)


class PromptUnavailable:
    BASES = ("UserError",)


def lint_prompts(
    prompts_dir: Path, names: Iterable[str] = (), *, providers: Sequence[str] | None = None
) -> dict[str, list[Problem]]: ...


def load_manifest(path: Path, *, display: str | None = None) -> Manifest: ...


def state_url(repo: Path | str) -> str: ...


CONTRACT: dict[str, object] = {
    name: value for name, value in dict(globals()).items() if name[0].isalpha() and name in api.__all__
}
_MARKERS = {"FIELDS", "PROPERTIES", "ATTRIBUTES", "BASES"}
_PINNED_DUNDERS = {"__init__", "__enter__", "__exit__"}


def signature_problems(where: str, pinned: inspect.Signature, actual: inspect.Signature) -> list[str]:
    """Why `actual` cannot serve every caller written against `pinned` (empty when it can)."""
    problems: list[str] = []
    real = actual.parameters
    for name, want in pinned.parameters.items():
        have = real.get(name)
        if have is None:
            problems.append(f"{where}: parameter '{name}' was removed")
            continue
        if have.kind != want.kind:
            problems.append(f"{where}: parameter '{name}' is now {have.kind.description}")
        if want.default is not inspect.Parameter.empty and have.default != want.default:
            problems.append(f"{where}: default of '{name}' changed from {want.default!r} to {have.default!r}")
        if have.annotation != want.annotation:
            problems.append(f"{where}: type of '{name}' changed from {want.annotation} to {have.annotation}")
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    pinned_order = [n for n, p in pinned.parameters.items() if p.kind in positional]
    real_order = [n for n, p in real.items() if p.kind in positional]
    if real_order[: len(pinned_order)] != pinned_order:
        problems.append(f"{where}: positional parameters reordered: {real_order} (was {pinned_order})")
    for name, have in real.items():
        optional = have.default is not inspect.Parameter.empty or have.kind in (
            inspect.Parameter.VAR_POSITIONAL,
            inspect.Parameter.VAR_KEYWORD,
        )
        if name not in pinned.parameters and not optional:
            problems.append(f"{where}: new parameter '{name}' has no default (existing callers break)")
    if actual.return_annotation != pinned.return_annotation:
        problems.append(
            f"{where}: return type changed from {pinned.return_annotation} to {actual.return_annotation}"
        )
    return problems


def class_problems(name: str, stub: type, real: Any) -> list[str]:
    problems: list[str] = []
    if not inspect.isclass(real):
        return [f"{name} is no longer a class"]
    if dataclasses.is_dataclass(real):
        fields = [f.name for f in dataclasses.fields(real)]
        problems += [f"{name}.{f}: field removed" for f in getattr(stub, "FIELDS", ()) if f not in fields]
    elif hasattr(stub, "FIELDS"):
        problems.append(f"{name} is no longer a dataclass")
    for prop in getattr(stub, "PROPERTIES", ()):
        # a cached_property reads the same way (`manifest.root`); anything else breaks callers
        if not isinstance(inspect.getattr_static(real, prop, None), (property, functools.cached_property)):
            problems.append(f"{name}.{prop}: property removed")
    bases = {base.__name__ for base in real.__mro__}
    problems += [f"{name} no longer derives from {b}" for b in getattr(stub, "BASES", ()) if b not in bases]
    for member, pinned in vars(stub).items():
        if member in _MARKERS or (member.startswith("__") and member not in _PINNED_DUNDERS):
            continue
        actual = getattr(real, member, None)
        if actual is None:
            problems.append(f"{name}.{member}: removed")
            continue
        function = pinned.__func__ if isinstance(pinned, classmethod) else pinned
        real_static = inspect.getattr_static(real, member)
        if isinstance(pinned, classmethod) != isinstance(real_static, classmethod):
            problems.append(f"{name}.{member}: classmethod-ness changed")
        want = inspect.signature(function)
        have = inspect.signature(real_static.__func__ if isinstance(real_static, classmethod) else actual)
        problems += signature_problems(f"{name}.{member}", want, have)
    return problems


def test_all_lists_exactly_the_pinned_names() -> None:
    assert sorted(api.__all__) == sorted(CONTRACT), "a name was added to or removed from platform_cli.api"
    for name in api.__all__:
        assert getattr(api, name) is not None


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_each_public_name_keeps_its_pinned_signature(name: str) -> None:
    stub, real = CONTRACT[name], getattr(api, name)
    if inspect.isclass(stub):
        problems = class_problems(name, stub, real)
    else:
        assert callable(stub)
        problems = signature_problems(name, inspect.signature(stub), inspect.signature(real))
    assert problems == []


def test_instance_attributes_the_contract_names_exist(tmp_path: Path) -> None:
    from platform_cli.scaffold import new_feature

    repo = tmp_path / "repo"
    new_feature(repo, {"name": "Contract Check", "eval_owner": "jane@example.com"})
    with api.Feature.load(repo, offline=True, state_url=f"sqlite:///{tmp_path / 's.db'}") as feature:
        missing = [a for a in Feature.ATTRIBUTES if not hasattr(feature, a)]
        fake = api.FakeProvider("p", "fake-2025-01-01")
        missing += [a for a in FakeProvider.ATTRIBUTES if not hasattr(fake, a)]
        assert api.state_url(repo).startswith("sqlite:///")
    assert missing == []


def test_the_checker_catches_incompatible_changes() -> None:
    """The compatibility rules above are what protect generated repos, so they are tested too."""

    def pinned(a: int, *, b: str = "x") -> int: ...
    def same(a: int, *, b: str = "x", c: int = 0) -> int: ...  # an added optional keyword is fine
    def renamed(z: int, *, b: str = "x") -> int: ...
    def new_default(a: int, *, b: str = "y") -> int: ...
    def required_extra(a: int, c: int, *, b: str = "x") -> int: ...
    def retyped(a: str, *, b: str = "x") -> int: ...

    sig = inspect.signature
    assert signature_problems("f", sig(pinned), sig(same)) == []
    assert any("removed" in p for p in signature_problems("f", sig(pinned), sig(renamed)))
    assert any("default" in p for p in signature_problems("f", sig(pinned), sig(new_default)))
    assert any("no default" in p for p in signature_problems("f", sig(pinned), sig(required_extra)))
    assert any("type of 'a'" in p for p in signature_problems("f", sig(pinned), sig(retyped)))

    class Stub:
        PROPERTIES = ("root",)

    class Cached:
        @functools.cached_property
        def root(self) -> str: ...

    class Method:
        def root(self) -> str: ...

    assert class_problems("C", Stub, Cached) == []  # read the same way: `obj.root`
    assert class_problems("C", Stub, Method) == ["C.root: property removed"]
