"""Property: every file loader, given any bytes, either accepts them or refuses them as bad input (exit 2)
with file:line. Never an internal error (exit 3), a traceback, a hang or unbounded memory.

The loaders are the real ones, called the way the commands call them; the valid examples are the files a
generated repo ships (spliced with hostile fragments by the strategies). A CLI round-trip per loader class
checks the same through the error boundary. Counts per loader are printed at the end of the run (see
conftest.py); `make fuzz` runs the same properties with a much larger budget.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from loader_inputs import file_bytes, json_bytes
from loader_tally import record

from platform_cli.cli.main import run
from platform_cli.errors import ExitCode, InvalidFile, PlatformError
from platform_cli.scaffold import new_feature

settings.load_profile("loaders")
TODAY = dt.date(2026, 11, 27)
Loader = Callable[[Path], Any]


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated repo: its files are the valid examples the hostile inputs are spliced into."""
    dest = tmp_path_factory.mktemp("golden") / "fuzz-feature"
    new_feature(dest, {"name": "Fuzz Feature", "eval_owner": "jane.doe@example.com"}, git_init=False)
    (dest / "waivers.yaml").write_text(
        "waivers:\n  - rule: model-pinned\n    reason: vendor has no snapshot yet\n"
        "    approver: jane.doe@example.com\n    expires: 2026-12-01\n",
        encoding="utf-8",
    )
    return dest


def check(name: str, load: Callable[[], Any]) -> None:
    """Run one loader on one input: accepted, or refused as located bad input; anything else fails."""
    try:
        load()
    except InvalidFile as error:
        record(name, "refused")
        # answers given with --data come from no file ("answers"); everything read from a file has a line
        unlocated = [p.render() for p in error.problems if p.line is None and p.file != "answers"]
        assert not unlocated, f"{name}: problems without a line: {unlocated}"
    except PlatformError as error:
        outcome = "refused" if error.exit_code == ExitCode.BAD_INPUT else "internal"
        record(name, outcome)
        assert error.exit_code == ExitCode.BAD_INPUT, f"{name}: exit {error.exit_code}: {error}"
        assert Path(CASES[name][0]).name in str(error), f"{name}: the message does not name the file: {error}"
    except BaseException:
        record(name, "traceback")
        raise
    else:
        record(name, "accepted")


# ---- one property per loader ------------------------------------------------------------------------
def _manifest(root: Path) -> None:
    from platform_cli.manifest import load_manifest

    load_manifest(root / "ai-feature.yaml")


def _prompt(root: Path) -> None:
    from platform_cli.prompts.lint import lint_prompts

    problems = lint_prompts(root / "prompts", ["summarize"])["summarize"]
    if problems:  # what `platform prompts lint` reports (exit 2)
        raise InvalidFile("prompts/summarize.yaml", problems, "prompt file")


def _waivers(root: Path) -> None:
    from platform_cli.readiness.waivers import load_waivers

    load_waivers(root, rule_ids={"model-pinned", "budget-declared"}, today=TODAY, limit_days=90)


def _rule(root: Path) -> None:
    from platform_cli.readiness.rules import load_rule_file

    load_rule_file(root / "rule.yaml")


def _answers(root: Path) -> None:
    from platform_cli.resources import templates_dir
    from platform_cli.scaffold.answers import check_data
    from platform_cli.scaffold.render import load_answers_file

    path = root / "answers.yml"
    check_data(templates_dir() / "ai-feature", load_answers_file(path), path)


def _copier_config(root: Path) -> None:
    from platform_cli.scaffold.answers import check_data
    from platform_cli.scaffold.engines import copier_config

    copier_config(root / "tpl")
    check_data(root / "tpl", {"name": "x"}, None)


def _template_meta(root: Path) -> None:
    from platform_cli.scaffold.catalog import resolve_template

    resolve_template(str(root / "tpl"))


def _cookiecutter(root: Path) -> None:
    from platform_cli.scaffold.answers import check_data
    from platform_cli.scaffold.engines import cookiecutter_context

    cookiecutter_context(root / "cc")
    check_data(root / "cc", {"name": "x"}, None)


def _answers_schema(root: Path) -> None:
    from platform_cli.scaffold.answers import validate_answers

    validate_answers(root / "tpl", {"name": "x", "slug": "x", "soak_days": 3}, None)


def _env_meta(root: Path) -> None:
    from platform_cli.secrets.envfile import EnvFileBackend

    EnvFileBackend("OPENAI_API_KEY", root / ".env").describe()


def _user_config(root: Path) -> None:
    from platform_cli.config import load_config

    load_config()


def _fixtures(root: Path) -> None:
    from platform_cli.providers.fake import load_fixtures

    load_fixtures(root / "fixtures.yaml")


def _platform_settings(root: Path) -> None:
    from platform_cli.readiness.waivers import max_days

    max_days([root / "pack"])


def _eval_suite(root: Path) -> None:
    from platform_cli.evals.suites import load_suite

    load_suite(root / "evals" / "suites" / "smoke.yaml", root)


def _eval_dataset(root: Path) -> None:
    from platform_cli.evals.datasets import Dataset

    Dataset(root / "evals" / "datasets" / "smoke.jsonl", "evals/datasets/smoke.jsonl").check()


def _price_table(root: Path) -> None:
    from platform_cli.cost.prices import load_table_file

    load_table_file(root / "prices.json")


def _catalog_entity(root: Path) -> None:
    from platform_cli.backstage.entity import entity_problems, load_entity

    problems = entity_problems(load_entity(root / "catalog-info.yaml", display="catalog-info.yaml"))
    if problems:  # what `platform catalog validate` reports (exit 2)
        raise InvalidFile("catalog-info.yaml", problems, "catalog entity")


def _provenance(root: Path) -> None:
    from platform_cli.scaffold.provenance import read_provenance

    read_provenance(root)


def _change_note(root: Path) -> None:
    from platform_cli.scaffold.changelog import load_change_notes

    load_change_notes(root / "tpl")


VALID_RULE = (Path(__file__).parents[2] / "policies" / "readiness" / "budget-declared.yaml").read_text()
VALID_ENV_META = json.dumps(
    {
        "version": 1,
        "secrets": {
            "OPENAI_API_KEY": {
                "version": 2,
                "owner": "team",
                "rotation_days": 90,
                "current_created": "2026-11-01T00:00:00Z",
                "rotation": {"id": "abc", "step": "started", "started": "2026-11-01T00:00:00Z"},
            }
        },
    },
    indent=2,
)
VALID_COOKIECUTTER = '{\n  "name": "Demo",\n  "slug": "demo",\n  "_extensions": []\n}\n'
VALID_SCHEMA = json.dumps(
    {"type": "object", "properties": {"name": {"type": "string", "minLength": 1}}, "required": ["name"]},
    indent=2,
)
VALID_ANSWERS = "name: Support Summarizer\neval_owner: jane.doe@example.com\nsegments: billing,technical\n"
VALID_COPIER = "_subdirectory: template\nname:\n  type: str\n  default: x\nsoak:\n  type: int\n  default: 3\n"
VALID_META = "name: fuzz\ndescription: a template\nversion: 1.0.0\n"
VALID_CONFIG = "trusted_templates:\n  - /opt/templates/\npolicy_dirs: []\n"
VALID_FIXTURES = "responses:\n  - contains: refund\n    text: Refunds take 5 days.\n"
VALID_PLATFORM = "waivers:\n  max_days: 30\n"
VALID_NOTE = "bump: minor\nsummary: RUNBOOK gains a rollback section\n"
VALID_PRICES = json.dumps(
    {
        "as_of": "2026-11-01",
        "source": "a test table",
        "models": {
            "gpt-4o-2024-08-06": {
                "input_cost_per_token": 2.5e-06,
                "output_cost_per_token": 1e-05,
                "litellm_provider": "openai",
                "mode": "chat",
            }
        },
    },
    indent=2,
)

# name -> (file it reads, relative to the scratch repo; the valid text, or None for the repo's own file;
# whether the file is JSON; the loader)
CASES: dict[str, tuple[str, str | None, bool, Loader]] = {
    "manifest": ("ai-feature.yaml", None, False, _manifest),
    "prompt": ("prompts/summarize.yaml", None, False, _prompt),
    "waivers": ("waivers.yaml", None, False, _waivers),
    "rule": ("rule.yaml", VALID_RULE, False, _rule),
    "answers": ("answers.yml", VALID_ANSWERS, False, _answers),
    "copier.yml": ("tpl/copier.yml", VALID_COPIER, False, _copier_config),
    "template.yaml": ("tpl/template.yaml", VALID_META, False, _template_meta),
    "cookiecutter.json": ("cc/cookiecutter.json", VALID_COOKIECUTTER, True, _cookiecutter),
    "answers.schema.json": ("tpl/answers.schema.json", VALID_SCHEMA, True, _answers_schema),
    ".env.meta.json": (".env.meta.json", VALID_ENV_META, True, _env_meta),
    "user config": ("config.yaml", VALID_CONFIG, False, _user_config),
    "fake fixtures": ("fixtures.yaml", VALID_FIXTURES, False, _fixtures),
    "platform.yaml": ("pack/platform.yaml", VALID_PLATFORM, False, _platform_settings),
    "eval suite": ("evals/suites/smoke.yaml", None, False, _eval_suite),
    "eval dataset": ("evals/datasets/smoke.jsonl", None, True, _eval_dataset),
    "prices.json": ("prices.json", VALID_PRICES, True, _price_table),
    "change note": ("tpl/changes/x.yaml", VALID_NOTE, False, _change_note),
    "catalog-info.yaml": ("catalog-info.yaml", None, False, _catalog_entity),
    ".copier-answers.yml": (".copier-answers.yml", None, False, _provenance),
}


def _valid_text(golden: Path, name: str) -> str:
    rel, valid, _, _ = CASES[name]
    return valid if valid is not None else (golden / rel).read_text(encoding="utf-8")


def _prepare(root: Path, name: str, content: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    rel = CASES[name][0]
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    if name in ("copier.yml", "template.yaml", "answers.schema.json"):
        (root / "tpl" / "template").mkdir(exist_ok=True)
        if not (root / "tpl" / "copier.yml").exists():
            (root / "tpl" / "copier.yml").write_text(VALID_COPIER)
    if name == "cookiecutter.json":
        (root / "cc" / "{{cookiecutter.slug}}").mkdir(exist_ok=True)
    if name == "platform.yaml":
        (root / "pack" / "readiness").mkdir(exist_ok=True)
    monkeypatch.setenv("PLATFORM_CONFIG", str(root / "config.yaml"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_loader_accepts_or_refuses_with_a_location_never_crashes(
    name: str, golden: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    valid = _valid_text(golden, name)
    strategy = json_bytes(valid) if CASES[name][2] else file_bytes(valid)

    @given(content=strategy)
    def prop(content: bytes) -> None:
        root = tmp_path_factory.mktemp("case") / "repo"
        shutil.copytree(golden, root)
        try:
            _prepare(root, name, content, monkeypatch)
            check(name, lambda: CASES[name][3](root))
        finally:
            shutil.rmtree(root.parent, ignore_errors=True)

    prop()


@pytest.mark.parametrize(
    ("name", "argv"),
    [
        ("manifest", ["validate"]),
        ("prompt", ["prompts", "lint"]),
        ("waivers", ["readiness", "check", "--format", "json"]),
        ("catalog-info.yaml", ["readiness", "check", "--format", "json"]),
        (".copier-answers.yml", ["readiness", "check", "--format", "json"]),
        (".env.meta.json", ["secrets", "status", "--format", "json"]),
    ],
)
def test_through_the_cli_every_refusal_is_exit_2_never_3(
    name: str,
    argv: list[str],
    golden: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    valid = _valid_text(golden, name)
    strategy = json_bytes(valid) if CASES[name][2] else file_bytes(valid)

    @settings(max_examples=max(10, settings().max_examples // 4))
    @given(content=strategy)
    def prop(content: bytes) -> None:
        root = tmp_path_factory.mktemp("cli") / "repo"
        shutil.copytree(golden, root)
        try:
            _prepare(root, name, content, monkeypatch)
            if name == ".env.meta.json":
                _declare_env_secret(root)
            code = run(["--repo", str(root), *argv])
            err = capsys.readouterr().err
            record(f"cli {name}", "internal" if code == 3 else ("refused" if code == 2 else "accepted"))
            assert code != ExitCode.INTERNAL and "Traceback" not in err, err
        finally:
            shutil.rmtree(root.parent, ignore_errors=True)

    prop()


def _declare_env_secret(root: Path) -> None:
    manifest = root / "ai-feature.yaml"
    text = manifest.read_text(encoding="utf-8").replace(
        "  secrets: []",
        "  secrets:\n    - {name: OPENAI_API_KEY, backend: env-file, path: .env, rotation_days: 9, owner: t}",
    )
    manifest.write_text(text, encoding="utf-8")
    (root / ".env").write_text("OPENAI_API_KEY=sk-fuzz-not-a-real-key-000000\n", encoding="utf-8")
    (root / ".env").chmod(0o600)
