"""Every input the security probe found ending in an internal error (exit 3) is bad input now: exit 2 with
file:line and no traceback (or, where a listing reads it, a named problem). One test per class it found."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from platform_cli.cli.main import run
from platform_cli.scaffold import new_feature


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("gen") / "probe-feature"
    new_feature(dest, {"name": "Probe Feature", "eval_owner": "jane.doe@example.com"})
    return dest


@pytest.fixture
def repo(generated: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    shutil.copytree(generated, copy)
    return copy


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "internal error" not in captured.err, captured.err
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("monthly_usd: 100.0", "monthly_usd: !!float x"),
        ("soak_days: 42", "soak_days: !!int x"),
        ("soak_days: 42", "soak_days: !!bool x"),
        ("soak_days: 42", "soak_days: " + "7" * 5000),
        ("segments: [general]", "segments: " + "[" * 975 + "]" * 975),
        ("segments: [general]", "segments: !!set {general}"),
    ],
)
def test_manifest_values_yaml_cannot_build(
    repo: Path, capsys: pytest.CaptureFixture[str], old: str, new: str
) -> None:
    manifest = repo / "ai-feature.yaml"
    text = manifest.read_text(encoding="utf-8")
    assert old in text
    manifest.write_text(text.replace(old, new), encoding="utf-8")
    code, _, err = _cli(capsys, "--repo", str(repo), "validate")
    assert code == 2 and "ai-feature.yaml:" in err


@pytest.mark.parametrize("value", ["!!binary aGVsbG8=", "!!set {a, b}", ".nan", "-.inf"])
def test_prompt_parameters_lint_publish_list_and_show(
    repo: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    prompt = repo / "prompts" / "summarize.yaml"
    prompt.write_text(prompt.read_text().replace("temperature: 0.2", f"temperature: {value}"))
    for argv in (["prompts", "lint"], ["prompts", "publish", "-m", "x"]):
        code, out, err = _cli(capsys, "--repo", str(repo), *argv)
        assert code == 2 and "prompts/summarize.yaml:" in out + err, argv
    code, out, _ = _cli(capsys, "--repo", str(repo), "prompts", "list", "--format", "json")
    listed = {p["name"]: p for p in json.loads(out)["prompts"]}
    assert code == 0 and listed["summarize"]["file_state"] == "invalid"
    code, out, _ = _cli(capsys, "--repo", str(repo), "prompts", "show", "summarize", "--format", "json")
    assert code == 2 or json.loads(out)  # never invalid JSON (a NaN used to be printed raw)


def _template(root: Path, files: dict[str, str | bytes]) -> Path:
    root.mkdir(parents=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return root


COPIER_OK = "q:\n  type: str\n  default: x\n"
TEMPLATES = {
    "copier.yml not YAML": {"copier.yml": "q: [\n", "README.md": "x"},
    "copier.yml a list": {"copier.yml": "- q\n- r\n", "README.md": "x"},
    "copier.yml a python tag": {"copier.yml": "q: !!python/name:os.system\n", "README.md": "x"},
    "answers.schema.json not JSON": {"copier.yml": COPIER_OK, "answers.schema.json": "{", "README.md": "x"},
    "answers.schema.json a list": {"copier.yml": COPIER_OK, "answers.schema.json": "[1]", "README.md": "x"},
    "answers.schema.json not a schema": {
        "copier.yml": COPIER_OK,
        "answers.schema.json": '{"type": 5}',
        "README.md": "x",
    },
    "template.yaml not UTF-8": {
        "copier.yml": COPIER_OK,
        "template.yaml": b"name: caf\xe9\n",
        "README.md": "x",
    },
    "template.yaml an alias bomb": {
        "copier.yml": COPIER_OK,
        "template.yaml": "a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"b{i}: &b{i} [{', '.join(['*a' if i == 0 else f'*b{i - 1}'] * 9)}]\n" for i in range(8)),
        "README.md": "x",
    },
    "cookiecutter.json not JSON": {"cookiecutter.json": "{", "{{cookiecutter.q}}/f": "x"},
    "cookiecutter.json a list": {"cookiecutter.json": "[1, 2]", "{{cookiecutter.q}}/f": "x"},
    "cookiecutter.json NaN": {"cookiecutter.json": '{"q": NaN}', "{{cookiecutter.q}}/f": "x"},
}


@pytest.mark.parametrize("case", sorted(TEMPLATES))
def test_broken_template_metadata_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    template = _template(tmp_path / "tpl", TEMPLATES[case])
    code, _, err = _cli(
        capsys, "scaffold", "from", str(template), str(tmp_path / "out"), "--defaults", "--trust", "--dry-run"
    )
    assert code == 2, err
    name = next(n for n in TEMPLATES[case] if n in case.split()[0])
    assert f"{name}:" in err, err


@pytest.mark.parametrize(
    "bad",
    [
        {"current_created": 12345},
        {"current_created": ["x"]},
        {"version": "x"},
        {"rotation_days": 1e400},
        {"rotation": {"id": "t", "started": "not a time"}},
    ],
)
def test_a_bad_rotation_metadata_file_is_located(
    repo: Path, capsys: pytest.CaptureFixture[str], bad: dict[str, object]
) -> None:
    manifest = repo / "ai-feature.yaml"
    manifest.write_text(
        manifest.read_text().replace(
            "  secrets: []",
            "  secrets:\n    - {name: API_KEY, backend: env-file, path: .env, rotation_days: 90, owner: t}",
        )
    )
    (repo / ".env").write_text("API_KEY=sk-probe-0123456789abcdef\n")
    (repo / ".env").chmod(0o600)
    record = {"version": 1, "owner": "t", "rotation_days": 90, "current_created": "2026-11-01T00:00:00Z"}
    record.update(bad)
    text = json.dumps({"version": 1, "secrets": {"API_KEY": record}}, indent=2).replace("Infinity", "1e400")
    (repo / ".env.meta.json").write_text(text)
    code, out, err = _cli(capsys, "--repo", str(repo), "secrets", "status")
    assert code in (1, 2) and ".env.meta.json:" in out + err
    code, _, err = _cli(capsys, "--repo", str(repo), "secrets", "rotate", "API_KEY", "--generate")
    assert code == 2 and ".env.meta.json:" in err


def test_the_waiver_limit_variable_cannot_crash_or_loosen(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLATFORM_WAIVER_MAX_DAYS", "99999999999")
    (repo / "waivers.yaml").write_text(
        "waivers:\n  - rule: model-pinned\n    reason: r\n    approver: jane\n    expires: 9966-01-01\n"
    )
    code, _, err = _cli(capsys, "--repo", str(repo), "readiness", "check")
    assert code == 2 and "waivers.yaml:5" in err and "more than 90 days ahead" in err
