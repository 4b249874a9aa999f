"""Generated feature repos for the eval tests: a suite and dataset written into a real generated repo."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from platform_cli.scaffold import new_feature

ANSWERS = {
    "name": "Support Summarizer",
    "eval_owner": "jane.doe@example.com",
    "segments": "billing,technical",
}


def generated(dest: Path, **answers: Any) -> Path:
    return new_feature(dest, {**ANSWERS, **answers}).dest


def against_server(dest: Path, base_url: str) -> Path:
    """A repo whose primary is an OpenAI-compatible server at `base_url` (key in the ignored .env)."""
    root = generated(dest, primary_provider="openai-compatible", primary_base_url=base_url)
    (root / ".env").write_text("PRIMARY_API_KEY=sk-test-loopback-key\n")
    os.chmod(root / ".env", 0o600)
    return root


def write_suite(root: Path, name: str, body: str) -> Path:
    path = root / "evals" / "suites" / f"{name}.yaml"
    path.write_text(body)
    return path


def write_dataset(root: Path, name: str, rows: list[dict[str, Any]]) -> Path:
    path = root / "evals" / "datasets" / f"{name}.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def ticket_rows(count: int, segments: tuple[str, ...] = ("billing", "technical")) -> list[dict[str, Any]]:
    rows = []
    for i in range(count):
        segment = segments[i % len(segments)]
        rows.append({"id": f"case-{i}", "input": {"ticket": f"ticket case-{i}: the export fails.",
                     "segment": segment}, "expected": {"max_sentences": 3}, "segment": segment})  # fmt: skip
    return rows
