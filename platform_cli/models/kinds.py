"""Provider kinds: the one list of what `spec.providers[].kind` may say, and what each kind needs.

Everything that knows about kinds reads this module: the manifest check (an unknown kind is a located
problem), the provider registry (one adapter per kind), the readiness facts (which kinds need a key, which
serve no real traffic), the scaffold's answer checks, and the template (its copies in copier.yml and
templates/ai-feature/providers.jinja are checked against this list by the test suite).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class ProviderKind:
    """One provider kind and the facts other parts need about it."""

    name: str
    summary: str
    # The key name the template declares for it ({ROLE} = PRIMARY / FALLBACK for per-endpoint keys);
    # None when the kind needs no key.
    api_key: str | None
    needs_key: bool  # cannot serve without an API key (an openai-compatible server may not need one)
    needs_base_url: bool
    offline: bool  # the deterministic test double: it serves no real traffic
    pin_hint: str  # how a pinned id of this kind looks, for messages
    # How the vendor dates its snapshot ids ("dashed" -YYYY-MM-DD, "compact" -YYYYMMDD, "openai-legacy"
    # -MMDD): only for ids the model table does not list, where the runtime can check nothing but shape.
    date_styles: tuple[str, ...] = ("dashed", "compact")


KINDS: dict[str, ProviderKind] = {
    kind.name: kind
    for kind in (
        ProviderKind(
            "fake",
            "offline and deterministic, for day 0 and tests",
            api_key=None,
            needs_key=False,
            needs_base_url=False,
            offline=True,
            pin_hint="fake models are dated like real snapshots, e.g. fake-chat-2025-01-01",
        ),
        ProviderKind(
            "openai",
            "OpenAI's API",
            api_key="OPENAI_API_KEY",
            needs_key=True,
            needs_base_url=False,
            offline=False,
            pin_hint="OpenAI snapshots end in -YYYY-MM-DD, e.g. gpt-5.1-2025-11-13",
            date_styles=("dashed", "openai-legacy"),
        ),
        ProviderKind(
            "anthropic",
            "Anthropic's API",
            api_key="ANTHROPIC_API_KEY",
            needs_key=True,
            needs_base_url=False,
            offline=False,
            pin_hint="Anthropic snapshots end in -YYYYMMDD, e.g. claude-haiku-4-5-20251001",
            date_styles=("compact",),
        ),
        ProviderKind(
            "openai-compatible",
            "a server speaking OpenAI's API (vLLM, Ollama, a gateway); needs base_url",
            api_key="{ROLE}_API_KEY",
            needs_key=False,
            needs_base_url=True,
            offline=False,
            pin_hint="name the build with its release date, e.g. llama-3.1-8b-instruct-2024-07-23",
        ),
    )
}

# Hosts whose OpenAI-compatible endpoint is really a vendor's own API.
_KNOWN_HOSTS = {"api.openai.com": "openai", "api.anthropic.com": "anthropic"}


def kind_names() -> list[str]:
    """Every kind, in the order the template offers them (fake first: it works offline)."""
    return list(KINDS)


def get_kind(name: str) -> ProviderKind | None:
    return KINDS.get(name)


def add_kind(kind: ProviderKind) -> None:
    """Register a kind a plugin provides (its adapter goes to providers.register_kind)."""
    KINDS[kind.name] = kind


def is_offline(kind: str) -> bool:
    """True for kinds that serve no real traffic (the fake)."""
    found = KINDS.get(kind)
    return found is not None and found.offline


def needs_key(kind: str) -> bool:
    found = KINDS.get(kind)
    return found is not None and found.needs_key


def api_key_name(kind: str, role: str) -> str | None:
    """The key name the template declares for a provider of `kind` in `role` (primary / fallback)."""
    found = KINDS.get(kind)
    if found is None or found.api_key is None:
        return None
    return found.api_key.replace("{ROLE}", role.upper())


def vendor_of(kind: str, base_url: str | None) -> str:
    """Who actually serves the model: the kind, or for openai-compatible the base_url's host."""
    if kind != "openai-compatible":
        return kind
    host = (urlsplit(base_url).hostname or "") if base_url else ""
    if not host:
        return "openai-compatible"
    return _KNOWN_HOSTS.get(host, f"openai-compatible:{host}")


def serves(vendor: str, table_vendor: str) -> bool:
    """Whether a provider whose vendor is `vendor` can serve a model the table lists under `table_vendor`.

    An OpenAI-compatible server (a gateway, vLLM) may serve any vendor's model except the offline fake.
    """
    if vendor == table_vendor:
        return True
    return vendor.startswith("openai-compatible") and table_vendor != "fake"
