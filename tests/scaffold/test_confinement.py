"""A hostile template or answer cannot run code without trust, nor write outside DEST; a failed run leaves
nothing behind anywhere. (Each of these ran code or wrote outside DEST before the checks existed.)"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from platform_cli.cli.main import run

RCE_PAYLOADS = (
    "{{ cycler.__init__.__globals__.os.system('touch %s') }}",
    "{{ self.__init__.__globals__.__builtins__.__import__('os').system('touch %s') }}",
    "{%% set x = lipsum.__globals__['os'].system('touch %s') %%}done",
)


def _cookiecutter(root: Path, files: dict[str, str], context: dict[str, object] | None = None) -> Path:
    (root / "{{cookiecutter.slug}}").mkdir(parents=True)
    (root / "cookiecutter.json").write_text(json.dumps(context or {"slug": "svc", "sub": "pkg"}))
    for rel, text in files.items():
        path = root / "{{cookiecutter.slug}}" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _copier(root: Path, files: dict[str, str], config: str = "sub:\n  type: str\n  default: pkg\n") -> Path:
    root.mkdir(parents=True)
    (root / "copier.yml").write_text(config)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _scaffold(template: Path, dest: Path, *extra: str) -> int:
    return run(["scaffold", "from", str(template), str(dest), "--defaults", "-q", *extra])


@pytest.mark.parametrize("payload", RCE_PAYLOADS)
@pytest.mark.parametrize("dry_run", [True, False])
def test_cookiecutter_templates_are_code_and_need_trust(tmp_path: Path, payload: str, dry_run: bool) -> None:
    marker = tmp_path / "pwned"
    template = _cookiecutter(tmp_path / "tpl", {"README.md": payload % marker})
    extra = ["--dry-run"] if dry_run else []
    assert _scaffold(template, tmp_path / "out", *extra) == 4
    assert not marker.exists()
    assert not (tmp_path / "out").exists()


def test_cookiecutter_local_extensions_need_trust(tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    template = _cookiecutter(
        tmp_path / "tpl",
        {"README.md": "hi"},
        {"slug": "svc", "_extensions": ["local_ext.Ext"]},
    )
    (template / "local_ext.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n"
        "from jinja2.ext import Extension\n\n\nclass Ext(Extension):\n    pass\n"
    )
    assert _scaffold(template, tmp_path / "out", "--dry-run") == 4
    assert not marker.exists()


def test_copier_renders_in_its_sandbox_without_trust(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    template = _copier(tmp_path / "tpl", {"README.md.jinja": RCE_PAYLOADS[0] % marker})
    assert _scaffold(template, tmp_path / "out") == 2  # the sandbox refuses; a located template error
    assert _scaffold(template, tmp_path / "out", "--dry-run") == 2
    assert not marker.exists()
    assert not (tmp_path / "out").exists()


def test_copier_jinja_extensions_need_trust_even_in_a_dry_run(tmp_path: Path) -> None:
    template = _copier(
        tmp_path / "tpl", {"README.md": "hi"}, "_jinja_extensions:\n  - local_ext.Ext\nsub: pkg\n"
    )
    assert _scaffold(template, tmp_path / "out", "--dry-run") == 4


@pytest.mark.parametrize("engine", ["copier", "cookiecutter"])
@pytest.mark.parametrize("kind", ["climb", "absolute-existing", "absolute-new", "nested-climb"])
def test_answers_that_become_paths_stay_inside_dest(tmp_path: Path, engine: str, kind: str) -> None:
    work = tmp_path / "a" / "b" / "c"
    work.mkdir(parents=True)
    existing = tmp_path / "existing"
    existing.mkdir()
    value = {
        "climb": "../../../../escaped",
        "absolute-existing": str(existing),
        "absolute-new": str(tmp_path / "new-abs" / "x"),
        "nested-climb": "ok/../../../../escaped",
    }[kind]
    if engine == "copier":
        template = _copier(tmp_path / "tpl", {"{{ sub }}/f.txt": "hi"})
        extra: list[str] = []
    else:
        template = _cookiecutter(tmp_path / "tpl", {"{{cookiecutter.sub}}/f.txt": "hi"})
        extra = ["--trust"]
    before = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    code = _scaffold(template, work / "out", "--data", f"sub={value}", *extra)
    assert code == 2
    after = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    assert after == before  # nothing written anywhere, the existing folder untouched


def test_a_project_dir_named_by_an_absolute_answer_is_refused(tmp_path: Path) -> None:
    template = _cookiecutter(tmp_path / "tpl", {"f.txt": "hi"})
    outside = tmp_path / "elsewhere"
    code = _scaffold(template, tmp_path / "out", "--trust", "--data", f"slug={outside}")
    assert code == 2
    assert not outside.exists() and not (tmp_path / "out").exists()


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.mark.parametrize("git_dest", [True, False])
def test_force_does_not_follow_a_symlinked_directory_out_of_dest(tmp_path: Path, git_dest: bool) -> None:
    outside = tmp_path / "elsewhere" / "prompts"
    outside.mkdir(parents=True)
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine\n")
    os.symlink(outside, dest / "prompts")
    if git_dest:
        _git(dest, "init", "-q")
        _git(dest, "add", "-A")
        _git(dest, "commit", "-qm", "start")
    code = run(
        ["scaffold", "new-ai-feature", str(dest), "--defaults", "-q", "--force", "--data", "name=Sym Link"]
    )
    assert code == 4
    assert list(outside.iterdir()) == []
    assert sorted(p.name for p in dest.iterdir() if p.name != ".git") == ["notes.txt", "prompts"]


def test_force_does_not_follow_a_symlinked_file_out_of_dest(tmp_path: Path) -> None:
    outside = tmp_path / "victim.md"
    outside.write_text("precious\n")
    template = _copier(tmp_path / "tpl", {"README.md": "from the template\n"})
    dest = tmp_path / "dest"
    dest.mkdir()
    os.symlink(outside, dest / "README.md")
    _git(dest, "init", "-q")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-qm", "start")
    assert _scaffold(template, dest, "--force") == 4
    assert outside.read_text() == "precious\n"


def test_a_template_symlink_leading_out_is_refused(tmp_path: Path) -> None:
    template = _copier(tmp_path / "tpl", {"README.md": "hi"}, "_preserve_symlinks: true\nsub: pkg\n")
    os.symlink("/etc/passwd", template / "passwd")
    os.symlink("../../../outside", template / "up")
    assert _scaffold(template, tmp_path / "out") == 4
    assert not (tmp_path / "out").exists()


def test_a_template_symlink_copier_would_follow_out_is_refused_for_safety(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the repo")
    template = _copier(tmp_path / "tpl", {"README.md": "hi"}, "sub: pkg\n")  # symlinks not preserved
    os.symlink(secret, template / "leak.txt")
    assert _scaffold(template, tmp_path / "out") == 4
    assert "leads outside the template" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def _commit_tag(repo: Path, tag: str) -> None:
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", tag)
    _git(repo, "tag", tag)


def test_template_update_never_copies_what_a_template_symlink_points_at(tmp_path: Path) -> None:
    """Scaffold refuses a template symlink leading out; `template update` must too, not copy its target."""
    secret = tmp_path / "secret.txt"
    secret.write_text("PRIVATE-KEY-MATERIAL\n")
    template = _copier(
        tmp_path / "gt",
        {"template/README.md.jinja": "hi {{ name }}\n",
         "template/{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml }}"},
        "_subdirectory: template\n_preserve_symlinks: true\nname:\n  type: str\n  default: x\n",
    )  # fmt: skip
    _git(template, "init", "-q")
    _commit_tag(template, "v1.0.0")
    gen = tmp_path / "gen"
    assert (
        run(["scaffold", "from", f"file://{template}", str(gen), "--defaults", "-q", "--vcs-ref", "v1.0.0"])
        == 0
    )
    (template / "template" / "leak.txt").symlink_to(secret)
    (template / "template" / "README.md.jinja").write_text("hi {{ name }}, v2\n")
    _commit_tag(template, "v2.0.0")
    before = (gen / "README.md").read_text()
    assert run(["--repo", str(gen), "template", "update"]) == 4
    assert not os.path.lexists(gen / "leak.txt")
    assert (gen / "README.md").read_text() == before
