"""Key checks against a real loopback vendor: accepted, rejected, unreachable; commands; the defaults."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from llm_server import running_llm_server
from secrets_support import Vendor, free_port, write_repo

from platform_cli.manifest import load_manifest
from platform_cli.manifest.model import ProviderSpec
from platform_cli.providers.endpoints import http_adapter
from platform_cli.providers.openai import OpenAICompatibleProvider
from platform_cli.secrets.checks import CommandCheck, ModelsListCheck, NoCheck, default_check, models_url
from platform_cli.secretvalue import Secret


def test_models_list_check_accepts_rejects_and_reports_unreachable(vendor: Vendor) -> None:
    vendor.accept("sk-good-0123456789")
    check = ModelsListCheck(f"{vendor.base_url}/models", "openai-compatible")
    assert check.run("sk-good-0123456789").ok
    rejected = check.run("sk-bad-0123456789")
    assert (rejected.ok, rejected.detail) == (False, "key rejected (HTTP 401)")  # the body is not echoed
    anthropic = ModelsListCheck(f"{vendor.base_url}/models", "anthropic")
    assert anthropic.run("sk-good-0123456789").ok  # sent as x-api-key
    assert vendor.seen == ["sk-good-0123456789", "sk-bad-0123456789", "sk-good-0123456789"]
    closed = ModelsListCheck(f"http://127.0.0.1:{free_port()}/v1/models", timeout_s=2)
    result = closed.run("sk-good-0123456789")
    assert not result.ok and result.detail.startswith("could not reach http://127.0.0.1:")
    missing = ModelsListCheck(f"{vendor.base_url}/nothing-here").run("sk-good-0123456789")
    assert (missing.ok, missing.detail.split(" from ")[0]) == (False, "unexpected HTTP 404")


def test_command_check_passes_the_key_in_the_environment_and_hides_output() -> None:
    check = CommandCheck(
        f"{sys.executable} -c \"import os,sys; sys.exit(os.environ['MY_KEY'] != 'v1')\"", "MY_KEY"
    )
    assert check.run("v1").ok
    failed = check.run("v2")
    assert (failed.ok, failed.detail) == (False, "exited 1 (output hidden: it may hold the key)")


def test_default_checks_follow_the_provider_that_uses_the_key(tmp_path: Path) -> None:
    spec = {"name": "API_KEY", "backend": "env-file", "rotation_days": 90, "owner": "team-demo"}
    root = write_repo(tmp_path / "a", secrets_=[spec], base_url="http://127.0.0.1:8000")
    manifest = load_manifest(root / "ai-feature.yaml")
    assert default_check(manifest, "API_KEY") == ModelsListCheck(
        "http://127.0.0.1:8000/v1/models", "openai-compatible"
    )
    assert isinstance(default_check(manifest, "API_KEY", "true"), CommandCheck)
    assert default_check(manifest, "OTHER_KEY") == NoCheck(
        "no provider uses OTHER_KEY; pass --test-command to check it"
    )
    fake = load_manifest(write_repo(tmp_path / "b", secrets_=[spec], kind="fake") / "ai-feature.yaml")
    assert default_check(fake, "API_KEY") == NoCheck("only the offline fake provider uses API_KEY")


def test_models_urls_per_vendor() -> None:
    def url(kind: str, base: str | None) -> str:
        check = models_url(ProviderSpec(name="p", kind=kind, model="m", base_url=base))
        assert isinstance(check, ModelsListCheck)
        return check.url

    assert url("openai", None) == "https://api.openai.com/v1/models"
    assert url("openai-compatible", "http://10.0.0.5:8000/v1/") == "http://10.0.0.5:8000/v1/models"
    assert url("anthropic", None) == "https://api.anthropic.com/v1/models"
    assert url("anthropic", "https://proxy.example.com/v1") == "https://proxy.example.com/v1/models"
    assert models_url(ProviderSpec(name="p", kind="openai-compatible", model="m")) == NoCheck(
        "provider p (openai-compatible) has no URL to test a key against"
    )


@pytest.mark.parametrize(
    "base",
    [
        "http://h:8000",
        "http://h:8000/",
        "http://h:8000/v1",
        "http://h:8000/openai",
        "http://h:8000/openai/v1/",
    ],
)
@pytest.mark.parametrize("kind", ["openai", "openai-compatible", "anthropic"])
def test_a_key_is_checked_beside_the_endpoint_the_runtime_posts_to(kind: str, base: str) -> None:
    check = models_url(ProviderSpec(name="p", kind=kind, model="m", base_url=base))
    adapter = http_adapter(kind)
    assert isinstance(check, ModelsListCheck) and adapter is not None
    runtime = adapter("p", "m", base_url=base, key=None)
    assert check.url.removesuffix(adapter.models_path) == runtime.url.removesuffix(adapter.path)


def test_key_check_and_completion_reach_the_same_server_path_and_headers() -> None:
    """A server mounted under a path prefix, with no /v1 in base_url: both calls land under /gateway/v1/."""
    with running_llm_server() as server:
        spec = ProviderSpec(
            name="p", kind="openai-compatible", model="m-2025-01-01", base_url=f"{server.base_url}/gateway"
        )
        assert models_url(spec).run("sk-test-0123456789").ok
        provider = OpenAICompatibleProvider(
            "p", "m-2025-01-01", base_url=spec.base_url or "", key=lambda: Secret("K", "sk-test-0123456789")
        )
        provider.complete([{"role": "user", "content": "hi"}], {})
        paths = [r.path for r in server.requests]
        assert paths == ["/gateway/v1/models", "/gateway/v1/chat/completions"]
        assert {r.headers["Authorization"] for r in server.requests} == {"Bearer sk-test-0123456789"}
