"""The gate cannot be passed without doing the work: a broken prompt file, a file the scanners cannot
read, a bare allowlist pragma, or a model called outside the runtime each fail the rule that needs them.

Before: an invalid prompt file passed prompts-registered; files with a NUL byte or over 1 MB were skipped
silently (the count said 22 of 23 files, with no note); `# pragma: allowlist secret` on a real key passed
with no approver or expiry; `requests.post("https://api.openai.com/...", json={"model": "gpt-4o"})` and an
SDK call with a prompt built from parts passed model-pinned and prompts-registered.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import string
import subprocess
from pathlib import Path

import pytest

from platform_cli.cli.main import run
from platform_cli.readiness.check import check_repo
from platform_cli.readiness.model import Report
from platform_cli.scaffold import new_feature

TODAY = dt.date(2026, 11, 27)
PACKAGE = "support_summarizer"
_RNG = random.Random(10)
KEY = "sk-" + "proj-" + "".join(_RNG.choice(string.ascii_letters + string.digits) for _ in range(48))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("gen") / "support-summarizer"
    new_feature(dest, {"name": "Support Summarizer", "eval_owner": "jane.doe@example.com"})
    return dest


@pytest.fixture
def repo(generated: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    shutil.copytree(generated, copy, symlinks=True)
    return copy


def _commit(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, capture_output=True)
    subprocess.run(["git", "commit", "-qm", "plant"], cwd=root, check=True, capture_output=True)


def _messages(report: Report, rule_id: str) -> tuple[str, tuple[str, ...]]:
    finding = next(f for f in report.findings if f.rule.id == rule_id)
    return finding.status, finding.messages


def test_the_generated_repo_passes_what_these_tests_break(generated: Path) -> None:
    report = check_repo(generated, today=TODAY)
    for rule in ("prompts-registered", "model-pinned", "no-committed-secrets"):
        assert _messages(report, rule)[0] == "pass", rule


@pytest.mark.parametrize(
    "text",
    [
        "name: summarize\n\tbroken: [\n",  # not YAML
        "template: hi\nparameters: {temperature: !!binary aGk=}\n",  # a tag the policy refuses
        "template: hi\nparameters: {temperature: .nan}\n",  # not a number a model takes
        "template: hi\ntemplate: again\n",  # duplicate key
        "- just\n- a list\n",  # not a prompt
    ],
)
def test_an_invalid_prompt_file_fails_prompts_registered(repo: Path, text: str) -> None:
    _commit(repo, {"prompts/summarize.yaml": text})
    status, messages = _messages(check_repo(repo, today=TODAY), "prompts-registered")
    assert status == "fail"
    assert any("prompts/summarize.yaml" in m and "not a valid prompt file" in m for m in messages)


DIRECT_CALLS = {
    "requests": (
        "import requests\n\n\ndef ask(text):\n"
        '    return requests.post("https://api.openai.com/v1/chat/completions",\n'
        '        json={"model": "gpt-4o", "messages": [{"role": "user", "content": text}]}).json()\n',
        "gpt-4o",
    ),
    "httpx-url-constant": (
        'import httpx\nURL = "https://api.anthropic.com/v1/messages"\n\n\ndef ask(text):\n'
        '    return httpx.post(URL, json={"model": "claude-sonnet-4-5", "messages": []})\n',
        None,
    ),
    "openai-sdk-parts": (
        "from openai import OpenAI\n\nclient = OpenAI()\n\n\ndef ask(role, text):\n"
        '    system = "You are " + role\n'
        "    return client.chat.completions.create(model=MODEL, messages=[\n"
        '        {"role": "system", "content": system}, {"role": "user", "content": text}])\n',
        None,
    ),
    "anthropic-sdk": (
        "import anthropic\n\n\ndef ask(parts):\n"
        "    return anthropic.Anthropic().messages.create(\n"
        '        model="claude-3-5-sonnet-latest", max_tokens=100, messages=parts)\n',
        "claude-3-5-sonnet-latest",
    ),
}


@pytest.mark.parametrize("case", sorted(DIRECT_CALLS))
def test_a_direct_vendor_call_fails_model_pinned_and_prompts_registered(repo: Path, case: str) -> None:
    source, model = DIRECT_CALLS[case]
    _commit(repo, {f"src/{PACKAGE}/legacy.py": source})
    report = check_repo(repo, today=TODAY)
    status, messages = _messages(report, "model-pinned")
    assert status == "fail" and any(f"src/{PACKAGE}/legacy.py:" in m for m in messages), messages
    if model:
        assert any(f"with model '{model}'" in m for m in messages)
    status, messages = _messages(report, "prompts-registered")
    assert status == "fail" and any("calls the model directly" in m for m in messages), messages


def test_a_direct_call_from_javascript_is_found_too(repo: Path) -> None:
    source = (
        'export async function ask(text) {\n  return fetch("https://api.openai.com/v1/responses", {\n'
        '    method: "POST", body: JSON.stringify({ model: "gpt-4o", input: text }) });\n}\n'
    )
    _commit(repo, {"web/ask.js": source})
    status, messages = _messages(check_repo(repo, today=TODAY), "model-pinned")
    assert status == "fail" and any("web/ask.js:2" in m and "'gpt-4o'" in m for m in messages)


@pytest.mark.parametrize(
    ("rel", "content"),
    [
        ("assets/model.bin", b"\0\1\2\3" + KEY.encode() + b"\0"),  # a NUL byte used to hide it
        ("data/dump.txt", ("x" * 100 + "\n") * 12_000 + f"OPENAI={KEY}\n"),  # over 1 MB
    ],
)
def test_binary_and_large_files_are_scanned(repo: Path, rel: str, content: str | bytes) -> None:
    _commit(repo, {rel: content})
    status, messages = _messages(check_repo(repo, today=TODAY), "no-committed-secrets")
    assert status == "fail" and any(m.startswith(f"{rel}:") for m in messages), messages
    assert not any(KEY[8:] in m for m in messages)


def test_every_file_not_scanned_is_named(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "docs").mkdir()
    (repo / "docs" / "hosts").symlink_to("/etc/hosts")
    _commit(repo, {})
    report = check_repo(repo, today=TODAY)
    status, messages = _messages(report, "no-committed-secrets")
    assert status == "pass" and "not scanned: docs/hosts (a symlink" in messages[0]
    assert run(["secrets", "scan", str(repo), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [s["file"] for s in out["skipped"]] == ["docs/hosts"]


@pytest.mark.parametrize(
    ("pragma", "passes"),
    [
        ("# pragma: allowlist secret", False),
        ("# pragma: allowlist secret approver=jane.doe@example.com", False),
        ("# pragma: allowlist secret approver= expires=2026-12-01", False),
        ("# pragma: allowlist secret approver=jane.doe@example.com expires=2026-11-01", False),  # expired
        ("# pragma: allowlist secret approver=jane.doe@example.com expires=9966-01-01", False),
        ("# pragma: allowlist secret approver=jane.doe@example.com expires=2026-12-01", True),
    ],
)
def test_an_allowlist_pragma_is_a_waiver_or_nothing(repo: Path, pragma: str, passes: bool) -> None:
    _commit(repo, {"tests/fixtures.py": f'FIXTURE = "{KEY}"  {pragma}\n'})
    status, messages = _messages(check_repo(repo, today=TODAY), "no-committed-secrets")
    assert (status == "pass") is passes, messages
    if passes:
        assert "allowlisted by pragma: tests/fixtures.py:1 (approver jane.doe@example.com" in messages[0]
    else:
        assert "allowlist pragma" in messages[0]
