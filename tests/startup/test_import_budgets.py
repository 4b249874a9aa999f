"""Import budgets: each command may load only what it needs, so start-up cannot regress silently.

Every budget runs its command in a fresh interpreter (import_probe.py) and fails when the command imports
a module it must not (a heavy library, the store, other command groups) or loads more modules than its
budget allows beyond a bare click command. The failure names the import chain that pulled the module in.
How to stay within budget: import heavy libraries inside the function that uses them (README.md,
"Performance").
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from platform_cli.cli.main import LAZY_COMMANDS
from platform_cli.scaffold import new_feature

PROBE = Path(__file__).with_name("import_probe.py")

# Libraries no command that only reads a repo's files needs at start-up.
HEAVY = (
    "jinja2",
    "copier",
    "cookiecutter",
    "requests",
    "urllib3",
    "numpy",
    "scipy",
    "rapidfuzz",
    "plotly",
    "prometheus_client",
    "psycopg",
    "pydantic",
    "boto3",
)
# What `--version` and `--help` must not touch: no file format, no schema, no store, no metadata scan.
STARTUP_FORBIDDEN = (*HEAVY, "jsonschema", "yaml", "sqlite3", "platform_cli.store", "importlib.metadata")


# The store's record classes, one module per part, loaded by the first query that returns one: a command
# that reads one part's records must not pay for creating every other part's classes.
STORE_PARTS = ("cost", "evals", "prompts", "rollback", "rollout", "runtime")
STORE_RECORDS = tuple(f"platform_cli.store.{part}_records" for part in STORE_PARTS)


def records_but(part: str) -> tuple[str, ...]:
    """Every part's record module but `part`'s."""
    return tuple(name for name in STORE_RECORDS if name != f"platform_cli.store.{part}_records")


# What the readiness check of a repo with no state yet never needs: the store's engine and query methods,
# numpy, archives, XML (junit output), the secret backends (the generated repo declares no secret).
CHECK_FORBIDDEN = (
    "copier", "cookiecutter", "numpy", "scipy", "plotly", "psycopg", "requests", "sqlite3", "tarfile", "xml",
    "platform_cli.store.store", "platform_cli.store.migrations", "platform_cli.secrets.backend",
    *STORE_RECORDS,
)  # fmt: skip
# What remembered validations and verdicts spare a run whose files were seen before (the user cache is warm).
REMEMBERED = ("jsonschema", "jinja2", "importlib.metadata", "email")


@dataclass(frozen=True)
class Budget:
    """`args` run in a fresh generated repo may load at most `max_modules` modules beyond a bare click
    command, none of them in `forbidden` (a name forbids the module and everything below it).

    `warm`: measured on a second run with the same user cache (what every run after the first costs).
    `with_runs`: in a copy of the repo with published prompts, two offline runs of the smoke suite and a
    baseline (what `eval compare` compares)."""

    args: tuple[str, ...]
    forbidden: tuple[str, ...]
    max_modules: int
    ok: tuple[int, ...] = (0,)
    warm: bool = False
    with_runs: bool = False

    @property
    def id(self) -> str:
        return " ".join(self.args) + (" (warm cache)" if self.warm else "")

    @property
    def all_forbidden(self) -> tuple[str, ...]:
        """`forbidden` plus every command module but the command's own (commands load lazily)."""
        own = LAZY_COMMANDS[self.args[0]][0] if self.args[0] in LAZY_COMMANDS else None
        others = sorted({module for module, _ in LAZY_COMMANDS.values()} - {own})
        return (*self.forbidden, *(f"platform_cli.cli.{module}" for module in others))


BUDGETS = (
    Budget(("--version",), STARTUP_FORBIDDEN, 20),
    Budget(("--help",), STARTUP_FORBIDDEN, 30),
    Budget(("validate",), (*HEAVY, "sqlite3", "platform_cli.store"), 160),
    # a first run: nothing remembered, yet no plugin is installed, which is proved without importlib.metadata
    Budget(("readiness", "check"), (*CHECK_FORBIDDEN, "importlib.metadata", "email"), 290, (0, 1)),
    # warm: the rule files, YAML loads, validations and verdicts are remembered, so no PyYAML either
    Budget(("readiness", "check"), (*CHECK_FORBIDDEN, *REMEMBERED, "yaml"), 165, (0, 1), warm=True),
    # a repo whose store holds prompts, eval runs and a baseline but no rollback, drill, override or
    # rollout: the facts read the store, yet build only the records they get back
    Budget(
        ("readiness", "check"),
        (
            "copier",
            "cookiecutter",
            "numpy",
            "scipy",
            "plotly",
            "psycopg",
            "requests",
            "tarfile",
            "xml",
            "platform_cli.secrets.backend",
            *REMEMBERED,
            "yaml",
            *(f"platform_cli.store.{part}_records" for part in ("cost", "rollback", "rollout", "runtime")),
        ),
        178,
        (0, 1),
        warm=True,
        with_runs=True,
    ),
    # the pre-commit hook when the commit changes nothing a rule reads: no file format, schema, store
    Budget(
        ("readiness", "check", "README.md"),
        (*HEAVY, "jsonschema", "yaml", "sqlite3", "platform_cli.store"),
        105,
    ),
    Budget(
        ("rollout", "status"),
        ("copier", "cookiecutter", "jinja2", "requests", "numpy", "plotly", *records_but("rollout")),
        210,
    ),
    Budget(
        ("rollback", "history"),
        ("copier", "cookiecutter", "jinja2", "requests", "numpy", "plotly", *records_but("rollback")),
        195,
    ),
    Budget(
        ("prompts", "list"),
        ("copier", "cookiecutter", "requests", "numpy", "plotly", "psycopg", *records_but("prompts")),
        225,
    ),
    Budget(
        ("secrets", "status"), ("copier", "cookiecutter", "jinja2", "numpy", "plotly", "psycopg"), 175, (0, 1)
    ),
    Budget(
        ("cost", "report"),
        ("copier", "cookiecutter", "jinja2", "requests", "numpy", "plotly", *records_but("cost")),
        205,
    ),
    Budget(
        ("template", "check"),
        ("copier", "cookiecutter", "requests", "numpy", "plotly", "psycopg"),
        95,
        (0, 1),
    ),
    # no case changed between the runs: nothing to resample, so no numpy (evals.stats imports it on demand)
    Budget(
        ("eval", "compare", "--suite", "smoke"),
        (*HEAVY, *REMEMBERED, "platform_cli.evals.engine", *records_but("evals")),
        140,
        (0, 1),
        warm=True,
        with_runs=True,
    ),
)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("budget") / "support-summarizer"
    new_feature(dest, {"name": "Support Summarizer", "eval_owner": "jane.doe@example.com"})
    return dest


@pytest.fixture(scope="module")
def repo_with_runs(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("budget-runs") / "support-summarizer"
    shutil.copytree(repo, dest, symlinks=True)
    env = {**os.environ, "PLATFORM_OFFLINE": "1"}

    def platform(*args: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "platform_cli", *args], cwd=dest, env=env, capture_output=True, text=True
        )
        assert proc.returncode in (0, 1), proc.stderr[-3000:]
        return proc.stdout

    platform("prompts", "publish", "summarize")
    platform("eval", "run", "smoke", "--version", "1")
    platform("eval", "run", "smoke", "--version", "1")
    runs = json.loads(platform("eval", "runs", "--format", "json"))["runs"]
    first = min((r for r in runs if r["suite"] == "smoke"), key=lambda r: r["started_at"])
    platform("eval", "baseline", "set", first["run_id"], "--reason", "import budget set-up")
    return dest


def probe(args: tuple[str, ...], cwd: Path, *, importtime: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLATFORM_") or k == "PLATFORM_LOG_DIR"}
    flags = ["-X", "importtime"] if importtime else []
    return subprocess.run(
        [sys.executable, *flags, str(PROBE), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def is_forbidden(module: str, forbidden: tuple[str, ...]) -> bool:
    return any(module == name or module.startswith(name + ".") for name in forbidden)


def import_chain(importtime_log: str, module: str) -> list[str]:
    """Who imported `module`, outermost first, from `python -X importtime` output (nesting = indent)."""
    rows: list[tuple[int, str]] = []
    for line in importtime_log.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        name_part = line.rsplit("|", 1)[1]
        name = name_part.strip()
        if name == "package":
            continue
        rows.append((len(name_part) - len(name_part.lstrip()), name))
    # importtime prints a module after its children: its parents are the later, less-indented rows
    for index, (depth, name) in enumerate(rows):
        if name != module:
            continue
        chain = [name]
        for later_depth, later in rows[index + 1 :]:
            if later_depth < depth:
                chain.append(later)
                depth = later_depth
        return list(reversed(chain))
    return [module]


@pytest.mark.parametrize("budget", BUDGETS, ids=lambda b: b.id)
def test_command_stays_within_its_import_budget(budget: Budget, request: pytest.FixtureRequest) -> None:
    repo: Path = request.getfixturevalue("repo_with_runs" if budget.with_runs else "repo")
    if budget.warm:
        probe(budget.args, repo)  # the first run fills the user cache (this test's own)
    proc = probe(budget.args, repo)
    assert proc.returncode == 0, proc.stderr[-3000:]
    code, *loaded = proc.stdout.split()
    assert int(code) in budget.ok, (
        f"platform {budget.id} exited {code}; the budget measures a command that works"
    )
    assert loaded, "the probe saw no import at all: it no longer measures the command"

    forbidden = budget.all_forbidden
    offenders = [m for m in loaded if is_forbidden(m, forbidden)]
    if offenders:
        timed = probe(budget.args, repo, importtime=True)
        top = sorted({name for name in forbidden for m in offenders if is_forbidden(m, (name,))})
        chains = [" -> ".join(import_chain(timed.stderr, name)) for name in top]
        pytest.fail(
            f"platform {budget.id} imports what its budget forbids: {', '.join(top)}\n  "
            + "\n  ".join(chains)
            + "\nimport it inside the function that needs it (README.md, Performance)"
        )
    assert len(loaded) <= budget.max_modules, (
        f"platform {budget.id} loads {len(loaded)} modules beyond a bare click command "
        f"(budget {budget.max_modules}); see which with: python -X importtime {PROBE} {budget.id}"
    )


def test_import_chain_reads_importtime_nesting() -> None:
    log = "\n".join(
        [
            "import time: self [us] | cumulative | imported package",
            "import time:        5 |          5 |       jinja2.utils",
            "import time:       10 |         15 |     jinja2",
            "import time:        3 |          3 |     platform_cli.errors",
            "import time:       20 |         38 |   platform_cli.prompts.render",
            "import time:       30 |         68 | platform_cli.cli.prompts",
        ]
    )
    assert import_chain(log, "jinja2") == [
        "platform_cli.cli.prompts",
        "platform_cli.prompts.render",
        "jinja2",
    ]
    assert import_chain(log, "absent") == ["absent"]
    assert is_forbidden("jinja2.utils", ("jinja2",)) and not is_forbidden("jinja2x", ("jinja2",))
