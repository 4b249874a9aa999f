"""`platform readiness`: check one repo, scan many, explain a rule."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from platform_cli.cli.output import echo_json, format_option, write_output
from platform_cli.errors import ExitCode

if TYPE_CHECKING:
    from platform_cli.readiness.model import Level

LEVELS = ("bronze", "silver", "gold")
# Kept equal to platform_cli.readiness.output.FORMATS (a test checks); listed here to keep startup light.
REPORT_FORMATS = ("text", "json", "junit", "sarif", "markdown", "github")
SCORECARD_FORMATS = ("text", "json", "csv")


def policies_option(func: Any) -> Any:
    return click.option(
        "--policies",
        "policies",
        multiple=True,
        type=click.Path(exists=True, path_type=Path),
        help="Extra rule pack (a directory or rule file); repeatable. $PLATFORM_POLICIES adds more.",
    )(func)


@click.group(name="readiness")
def group() -> None:
    """Readiness gate: check feature repos against the rule packs, level by level.

    A repo reaches a level (bronze < silver < gold) when every rule at that level and below passes
    or is waived. Lifecycle experimental needs bronze, production needs silver.

    \b
    Example:
      platform readiness check
      platform readiness scan ~/src --format csv --output scorecard.csv
      platform readiness explain model-pinned
    """


@group.command(name="check")
@click.option("--level", type=click.Choice(LEVELS), help="Required level (default: from the lifecycle).")
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(REPORT_FORMATS),
    help="Output format; repeat for several (each goes to the matching --output, else stdout; "
    "at most one may go to stdout). [default: text]",
)
@click.option(
    "--output",
    "outputs",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the matching --format to FILE instead of stdout ('-' is stdout); repeatable, in "
    "--format order.",
)
@policies_option
@click.option(
    "--annotate",
    is_flag=True,
    help="Also write the reached level, the time and the failing rule ids as platform.dev/readiness-* "
    "annotations into catalog-info.yaml (the rest of the file is kept as written), so Backstage shows them.",
)
@click.argument("changed", nargs=-1, type=click.Path(path_type=Path), metavar="[CHANGED_FILE]...")
@click.pass_context
def check(
    ctx: click.Context,
    level: str | None,
    formats: tuple[str, ...],
    outputs: tuple[Path, ...],
    policies: tuple[Path, ...],
    annotate: bool,
    changed: tuple[Path, ...],
) -> int:
    """Check the current feature repo; exit 0 when it reaches its required level, 1 when not.

    Bad rule files, waivers.yaml or ai-feature.yaml exit 2 with file:line. Waivers are read from the
    repo's waivers.yaml (expiring at most 90 days ahead: the platform's limit, which a policy pack's
    platform.yaml may lower and nothing in the judged repo can raise).

    With CHANGED_FILEs (the pre-commit hook passes the files a commit changes), the check runs only when
    one of them is something the rules read (manifest, waivers, prompts, evals, data files, application
    source...), is deleted, or holds a secret-like string; otherwise it exits 0 at once, saying so on
    stderr, and writes no report. The store's state and the date are not re-checked then: CI runs the
    full check.

    \b
    Example:
      platform readiness check
      platform readiness check --level silver
      platform --repo services/summarizer readiness check --format json
      platform readiness check --format sarif --output readiness.sarif \\
          --format junit --output readiness.xml --format text
      platform readiness check --annotate; platform catalog register
      platform readiness check README.md tests/test_feature.py   # as the pre-commit hook runs it
    """
    chosen = formats or ("text",)
    targets = _output_targets(chosen, outputs)
    root = ctx.obj.repo()
    if changed and not annotate:
        from platform_cli.readiness.changed import full_check_reason

        reason = full_check_reason(root, changed)
        if reason is None:
            click.echo(
                f"readiness: nothing the rules read changed in {len(changed)} file(s), and none holds a "
                "secret-like string: not re-checked (CI runs the full check)",
                err=True,
            )
            return ExitCode.OK
    from platform_cli.readiness.check import check_repo
    from platform_cli.readiness.output import render

    report = check_repo(root, level=cast("Level | None", level), extra_policy_dirs=policies)
    for fmt, output in zip(chosen, targets, strict=True):
        color = fmt == "text" and output is None and ctx.obj.color and sys.stdout.isatty()
        write_output(render(report, fmt, color=color), output)
    if annotate:
        _annotate(root, report)
    return ExitCode.OK if report.passed else ExitCode.CHECK_FAILED


def _annotate(root: Path, report: Any) -> None:
    import datetime as dt

    from platform_cli.backstage.annotate import readiness_annotations, write_annotations
    from platform_cli.backstage.entity import CATALOG_FILE

    failing = [f.rule.id for f in report.findings if f.failed]
    values = readiness_annotations(report.reached, failing, dt.datetime.now(dt.timezone.utc))
    write_annotations(root / CATALOG_FILE, values)
    click.echo(
        f"annotated {CATALOG_FILE}: level {values['platform.dev/readiness-level']}, "
        f"{len(failing)} failing rule(s) (push it, or `platform catalog register` to refresh the catalog)",
        err=True,
    )


def _output_targets(formats: tuple[str, ...], outputs: tuple[Path, ...]) -> list[Path | None]:
    """Where each --format goes (None: stdout), pairing --output with --format in order.

    Two documents glued together on stdout parse as neither, so at most one format may go there
    (no --output, or `--output -`); two formats into one file would overwrite each other.
    """
    if len(outputs) > len(formats):
        raise click.UsageError(
            f"{len(outputs)} --output given for {len(formats)} --format; add a --format each"
        )
    targets = [
        None if i >= len(outputs) or str(outputs[i]) == "-" else outputs[i] for i in range(len(formats))
    ]
    to_stdout = [fmt for fmt, target in zip(formats, targets, strict=True) if target is None]
    if len(to_stdout) > 1:
        raise click.UsageError(
            f"{len(to_stdout)} formats would go to stdout ({', '.join(to_stdout)}): give each extra "
            "--format an --output FILE, or '-' for the one that goes to stdout"
        )
    files = [t.resolve() for t in targets if t is not None]
    twice = sorted({str(f) for f in files if files.count(f) > 1})
    if twice:
        raise click.UsageError(f"--output {twice[0]} is given for two formats: give each its own file")
    return targets


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Any]:
    """A `progress(done, total)` callback drawing a click progress bar on stderr (None when disabled)."""
    if not enabled:
        yield None
        return
    state: dict[str, Any] = {}

    def progress(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = click.progressbar(length=total, label="checking repos", file=sys.stderr, show_pos=True)
            bar.__enter__()
            state["bar"] = bar
        bar.update(done - bar.pos)

    try:
        yield progress
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)


@group.command(name="scan")
@click.argument("dirs", nargs=-1, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--from-catalog",
    is_flag=True,
    help="Take the list of features from the Backstage catalog ($BACKSTAGE_URL): every Component "
    "annotated platform.dev/manifest. Each is checked in its checkout: its `file` location, or the repo "
    "of the same name below DIRS.",
)
@format_option(*SCORECARD_FORMATS)
@click.option("--workers", type=click.IntRange(min=1), help="Parallel workers [default: CPU count].")
@click.option("--level", type=click.Choice(LEVELS), help="Require this level of every repo.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE.")
@policies_option
def scan(
    dirs: tuple[Path, ...],
    from_catalog: bool,
    fmt: str,
    workers: int | None,
    level: str | None,
    output: Path | None,
    policies: tuple[Path, ...],
) -> int:
    """Find every repo with an ai-feature.yaml below DIRS, check them in parallel, print a scorecard.

    The scorecard lists per repo its level and failing rules, per rule how many repos fail it, and the
    level distribution. A repo whose files are invalid is listed with the error; the scan goes on.
    Exits 1 when any repo is below its required level or could not be checked, 2 when a DIR does not
    exist or no ai-feature.yaml is found below DIRS.

    With --from-catalog the features are the catalog's instead (DIRS, optional, are where checkouts are
    looked up by name); a catalog feature with no checkout is listed as an error row.

    \b
    Example:
      platform readiness scan ~/src/ai-features
      platform readiness scan team-a/ team-b/ --workers 8 --format json --output scorecard.json
      platform readiness scan --from-catalog ~/src --format csv
    """
    from platform_cli.readiness.scan import scan as scan_dirs
    from platform_cli.readiness.scan import scan_repos
    from platform_cli.readiness.scorecard import build_scorecard, render_scorecard

    if not dirs and not from_catalog:
        raise click.UsageError("give the directories to scan (DIRS), or --from-catalog")
    options: dict[str, Any] = {
        "workers": workers,
        "level": cast("Level | None", level),
        "extra_policy_dirs": policies,
    }
    with _progress_bar(sys.stderr.isatty()) as progress:
        if from_catalog:
            repos, missing = _catalog_repos(list(dirs))
            checked = scan_repos(repos, progress=progress, **options) if repos else []
            results = sorted([*missing, *checked], key=lambda r: r.path)
        else:
            results = scan_dirs(list(dirs), progress=progress, **options)
    write_output(render_scorecard(build_scorecard(results), fmt), output)
    failing = any(r.report is None or not r.report.passed for r in results)
    return ExitCode.CHECK_FAILED if failing else ExitCode.OK


def _catalog_repos(dirs: list[Path]) -> tuple[list[Path], list[Any]]:
    from platform_cli.backstage.client import CatalogClient
    from platform_cli.backstage.settings import require_settings
    from platform_cli.readiness.catalog_scan import catalog_features, require_features, resolve_checkouts

    settings = require_settings()
    client = CatalogClient(settings)
    try:
        entities = catalog_features(client)
    finally:
        client.close()
    require_features(entities, settings.url)
    return resolve_checkouts(entities, dirs)


@group.command(name="explain")
@click.argument("rule_id")
@format_option()
@policies_option
def explain(rule_id: str, fmt: str, policies: tuple[Path, ...]) -> int:
    """Show one rule: what it requires, why (the failure it prevents), how to fix, examples.

    \b
    Example:
      platform readiness explain model-pinned
      platform readiness explain soak-window --format json
    """
    from platform_cli.readiness.rules import find_rule, load_rules, rule_to_dict

    rule = find_rule(load_rules(policies), rule_id)
    if fmt == "json":
        echo_json(rule_to_dict(rule))
    else:
        click.echo(_explain_text(rule_to_dict(rule)))
    return ExitCode.OK


def _explain_text(rule: dict[str, Any]) -> str:
    import textwrap

    import yaml

    def block(value: Any) -> str:
        text = yaml.safe_dump(value, sort_keys=False, allow_unicode=True, width=96).rstrip()
        return "\n".join("    " + line for line in text.splitlines())

    def para(text: str) -> str:
        paragraphs = [" ".join(p.split()) for p in text.strip().split("\n\n")]
        return "\n\n".join(
            textwrap.fill(p, width=100, initial_indent="    ", subsequent_indent="    ") for p in paragraphs
        )

    source = rule["source"] or {}
    where = f"{source.get('file')}:{source.get('line')}" if source else "?"
    lines = [
        f"{rule['id']} · {rule['level']} · {rule['severity']}",
        f"  {rule['title']}",
        f"  fact: {rule['fact']}    defined in: {where}",
    ]
    if rule["docs"]:
        lines.append(f"  docs: {rule['docs']}")
    if rule["tags"]:
        lines.append(f"  tags: {', '.join(rule['tags'])}")
    lines += ["", "  Why (the failure it prevents):", para(rule["rationale"])]
    lines += ["", "  How to fix:", para(rule["remediation"])]
    lines += ["", f"  Condition (JSON Schema over the `{rule['fact']}` fact):", block(rule["condition"])]
    lines += ["", "  Passes for:", block(rule["examples"]["pass"])]
    lines += ["", "  Fails for:", block(rule["examples"]["fail"])]
    return "\n".join(lines)


COMMANDS: list[click.Command] = [group]
