"""`platform templates test`: what product teams will get from a template, checked before it is released.

1. Every sample answer set in `tests/answers/*.yml` is rendered, and the generated repo runs its own tests
   and its readiness check in a fresh virtual environment. The venv is new and empty; it sees only the
   platform-cli under test and its installed dependencies (linked with a `.pth` file, nothing downloaded),
   the way a product team's CI sees the platform-cli it installs.
2. A repo generated from the previous release, with local edits committed, is updated to the template as
   it stands (a candidate release is cut in a scratch copy when there are unreleased changes): the update
   must succeed and keep the local edits; its conflicts are reported.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sysconfig
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platform_cli.errors import PlatformError, UserError

LOCAL_EDIT = "\n<!-- a local edit that every template update must keep -->\n"


@dataclass
class AnswerSetResult:
    name: str
    tests_passed: bool
    readiness_level: str | None
    bronze_failures: list[str]
    output: str = ""

    @property
    def ok(self) -> bool:
        return self.tests_passed and self.readiness_level is not None and not self.bronze_failures


@dataclass
class TemplateTestResult:
    template: str
    answer_sets: list[AnswerSetResult] = field(default_factory=list)
    update_from: str | None = None
    update_to: str | None = None
    update_conflicts: list[str] = field(default_factory=list)
    update_problem: str | None = None

    @property
    def ok(self) -> bool:
        return all(a.ok for a in self.answer_sets) and self.update_problem is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "ok": self.ok,
            "answer_sets": [
                {
                    "name": a.name,
                    "ok": a.ok,
                    "tests_passed": a.tests_passed,
                    "readiness_level": a.readiness_level,
                    "bronze_failures": a.bronze_failures,
                }
                for a in self.answer_sets
            ],
            "update": {
                "from": self.update_from,
                "to": self.update_to,
                "conflicts": self.update_conflicts,
                "problem": self.update_problem,
            },
        }


def fresh_venv(where: Path) -> Path:
    """A new venv whose only extra import path is this platform-cli's environment; returns its python."""
    import venv

    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(where)
    python = where / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    lines = [f"import site; site.addsitedir({path!r})" for path in sorted(ours)]
    package_root = Path(__file__).resolve().parents[2]
    if (package_root / "pyproject.toml").is_file():  # an editable checkout
        lines.append(str(package_root))
    Path(site, "_platform_cli_under_test.pth").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return python


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLATFORM_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(PLATFORM_LOG_DIR=str(home / "logs"), PYTHONDONTWRITEBYTECODE="1")
    # answer sets with shared state (a production preset) are judged against the store the caller names,
    # as their CI would be: set PLATFORM_STATE_URL to a scratch PostgreSQL database
    if os.environ.get("PLATFORM_STATE_URL"):
        env["PLATFORM_STATE_URL"] = os.environ["PLATFORM_STATE_URL"]
    return env


def _check_answer_set(template_dir: Path, answers: Path, python: Path, work: Path) -> AnswerSetResult:
    from platform_cli.scaffold.render import scaffold

    dest = work / answers.stem
    scaffold(str(template_dir), dest, answers_file=answers, defaults=True)
    env = _env(work)
    tests = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=dest, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if not (dest / "ai-feature.yaml").is_file():  # not an AI feature: there is no readiness gate to run
        output = (tests.stdout + tests.stderr)[-3000:] if tests.returncode else ""
        return AnswerSetResult(answers.stem, tests.returncode == 0, "n/a", [], output)
    check = subprocess.run(
        [str(python), "-m", "platform_cli", "readiness", "check", "--format", "json"],
        cwd=dest, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    level, bronze = None, ["readiness check did not run"]
    if check.returncode in (0, 1):
        report = json.loads(check.stdout)
        level = report.get("reached") or "none"
        bronze = [f["rule_id"] for f in report["findings"] if f["level"] == "bronze" and f["failed"]]
    output = (tests.stdout + tests.stderr)[-3000:] if tests.returncode else ""
    return AnswerSetResult(answers.stem, tests.returncode == 0, level, bronze, output + check.stderr[-1000:])


def _update_check(
    template_dir: Path, name: str, answers: Path | None, work: Path, result: TemplateTestResult
) -> None:
    from platform_cli.scaffold.release import cut_release, plan_release
    from platform_cli.scaffold.releases import releases
    from platform_cli.scaffold.render import scaffold
    from platform_cli.scaffold.update import update_repo

    copy = work / "candidate" / template_dir.name
    shutil.copytree(template_dir, copy, ignore=shutil.ignore_patterns("__pycache__"))
    # what the next release would be; when nothing is unreleased (or a team repository is dirty) the
    # update runs between the existing releases
    with contextlib.suppress(PlatformError):
        cut_release(plan_release(copy, name, bump="patch", message="candidate (templates test)"))
    published = releases(copy)
    if len(published) < 2:  # a first release: there is nothing older to update from
        result.update_to = published[-1].ref if published else None
        return
    previous = published[-2]
    repo = work / "update-check"
    scaffold(str(copy), repo, answers_file=answers, defaults=True, vcs_ref=previous.ref)
    edited = [p for p in (repo / "README.md", repo / "RUNBOOK.md") if p.is_file()]
    for path in edited:
        path.write_text(path.read_text(encoding="utf-8") + LOCAL_EDIT, encoding="utf-8")
    subprocess.run(["git", "commit", "-qam", "local edits"], cwd=repo, check=True, capture_output=True)
    outcome = update_repo(repo)
    result.update_from, result.update_to = outcome.from_ref, outcome.to_ref
    result.update_conflicts = [f"{c.path}: {c.reason}" for c in outcome.conflicts]
    lost = [p.name for p in edited if LOCAL_EDIT.strip() not in p.read_text(encoding="utf-8")]
    if lost:
        result.update_problem = f"the update lost the local edit in {', '.join(lost)}"


def run_template_tests(
    template_dir: Path, name: str, progress: Callable[[str], None] | None = None
) -> TemplateTestResult:
    """Render every sample answer set, run what it generates, then update a locally edited older repo."""
    sets = sorted((template_dir / "tests" / "answers").glob("*.yml"))
    if not sets:
        raise UserError(f"{template_dir}/tests/answers/: no sample answer sets (*.yml); add at least one")
    say = progress or (lambda _: None)
    result = TemplateTestResult(name)
    with tempfile.TemporaryDirectory(prefix="platform-templates-test-") as tmp:
        work = Path(tmp)
        say("creating a fresh virtual environment")
        python = fresh_venv(work / "venv")
        for answers in sets:
            say(f"rendering {answers.name}, running its tests and readiness check")
            result.answer_sets.append(_check_answer_set(template_dir, answers, python, work))
        say("updating a locally edited repo from the previous release")
        try:
            _update_check(template_dir, name, sets[0], work, result)
        except Exception as error:  # reported as the template's problem, not a crash of the command
            result.update_problem = f"{type(error).__name__}: {error}"
    return result
