"""`platform templates`: the platform team's side of templates (release, change notes, test, lint)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from platform_cli.cli.output import echo_json, format_option


def _template_dir(spec: str) -> tuple[Path, str]:
    from platform_cli.scaffold.catalog import local_template

    info = local_template(spec)
    return Path(info.source), info.name


def _bump_options(func: Any) -> Any:
    for flag in ("patch", "minor", "major"):
        func = click.option(f"--{flag}", "bump", flag_value=flag, help=f"Bump the {flag} version (semver).")(
            func
        )
    return func


@click.group(name="templates")
def group() -> None:
    """For the platform team: release, test and lint templates.

    \b
    Examples:
      platform templates change ai-feature --minor -m "Generated repos get a cost dashboard"
      platform templates release ai-feature --dry-run
      platform templates test ai-feature
      platform templates lint
    """


@group.command("release")
@click.argument("name")
@_bump_options
@click.option("--message", "-m", help="Changelog entry (added to the pending change notes).")
@click.option("--dry-run", is_flag=True, help="Show the version, changelog entry and files; write nothing.")
@format_option()
def release_command(name: str, bump: str | None, message: str | None, dry_run: bool, fmt: str) -> int:
    """Cut a release: bump the version, write the CHANGELOG.md section, record the release.

    NAME is a shipped template name or a template directory. Without --major/--minor/--patch the highest
    bump among the pending change notes (changes/*.yaml) is used. Shipped templates keep every release
    as releases/<version>.tar.gz (reachable offline from the installed package); a template that is its
    own git repository is committed and tagged v<version> instead.

    \b
    Examples:
      platform templates release ai-feature
      platform templates release ai-feature --minor -m "RUNBOOK gains a key-rotation drill"
      platform templates release ./my-template --patch -m "Fix the CI cache key" --dry-run
    """
    from platform_cli.scaffold.release import cut_release, plan_release

    template_dir, template_name = _template_dir(name)
    plan = plan_release(template_dir, template_name, bump=bump, message=message)
    result = plan if dry_run else cut_release(plan)
    if fmt == "json":
        echo_json({**result.as_dict(), "dry_run": dry_run})
        return 0
    verb = "would release" if dry_run else "released"
    since = f" (from {result.previous}, {result.bump})" if result.previous else " (first release)"
    click.echo(f"{verb} {template_name} {result.version}{since}")
    for entry in result.entries:
        click.echo(f"  - {entry}")
    click.echo(f"{len(result.changed)} file(s) changed since the previous release")
    for written in result.written:
        click.echo(f"wrote {written}")
    return 0


@group.command("change")
@click.argument("name")
@_bump_options
@click.option("--message", "-m", required=True, help="What changes for product teams, in one sentence.")
@click.option("--dry-run", is_flag=True, help="Print the note; write nothing.")
def change_command(name: str, bump: str | None, message: str, dry_run: bool) -> int:
    """Record a pending change note (changes/<stamp>-<slug>.yaml) for the next release.

    Run this with every edit to a template: the test suite fails when a template's content differs from
    its latest release and no change note is pending. Each note is a new file, so notes from parallel
    branches never conflict; `platform templates release` turns them into the CHANGELOG.md section.

    \b
    Examples:
      platform templates change ai-feature --minor -m "Generated repos get an eval baseline"
      platform templates change ai-feature --patch -m "RUNBOOK: fix the rollback command"
    """
    from platform_cli.scaffold.changelog import write_change_note

    template_dir, _ = _template_dir(name)
    if dry_run:
        click.echo(f"would write {template_dir / 'changes'}/<stamp>.yaml: bump {bump or 'patch'}: {message}")
        return 0
    path = write_change_note(template_dir, bump or "patch", message)
    click.echo(f"wrote {path} (bump {bump or 'patch'}); commit it with your template change")
    return 0


def _targets(name: str | None) -> list[tuple[Path, str]]:
    if name:
        return [_template_dir(name)]
    from platform_cli.scaffold.catalog import list_templates

    return [(Path(t.source), t.name) for t in list_templates() if t.shipped]


@group.command("test")
@click.argument("name", required=False)
@format_option()
def test_command(name: str | None, fmt: str) -> int:
    """Render every sample answer set, run each generated repo's tests and readiness check, then update.

    Each answer set in templates/<name>/tests/answers/ is rendered; the generated repo runs its own tests
    and `platform readiness check` in a fresh virtual environment (bronze must pass). Then a repo generated
    from the previous release, with local edits, is updated to the template as it stands; conflicts are
    reported and a lost local edit fails. Exit 1 when anything fails. Without NAME: every shipped template.

    \b
    Examples:
      platform templates test ai-feature
      platform templates test ./my-template --format json
    """
    from platform_cli.scaffold.template_tests import run_template_tests

    results = []
    for template_dir, template_name in _targets(name):
        progress = None if fmt == "json" else (lambda message: click.echo(f"... {message}", err=True))
        results.append(run_template_tests(template_dir, template_name, progress))
    if fmt == "json":
        echo_json([r.as_dict() for r in results])
        return 0 if all(r.ok for r in results) else 1
    for result in results:
        click.echo(f"{result.template}:")
        for item in result.answer_sets:
            tests = "tests pass" if item.tests_passed else "TESTS FAIL"
            bronze = (
                f"bronze fails {', '.join(item.bronze_failures)}" if item.bronze_failures else "bronze ok"
            )
            click.echo(f"  {'ok  ' if item.ok else 'FAIL'} {item.name}: {tests}; readiness reached "
                       f"{item.readiness_level}; {bronze}")  # fmt: skip
            if item.output and not item.ok:
                click.echo("    " + item.output.strip().replace("\n", "\n    "))
        update = f"update {result.update_from} -> {result.update_to}"
        if result.update_from is None and result.update_problem is None:
            click.echo(f"  --   update: no earlier release to update from (latest: {result.update_to})")
        elif result.update_problem:
            click.echo(f"  FAIL {update}: {result.update_problem}")
        else:
            click.echo(f"  ok   {update}: local edits kept, {len(result.update_conflicts)} conflict(s)")
        for conflict in result.update_conflicts:
            click.echo(f"         {conflict}")
    return 0 if all(r.ok for r in results) else 1


@group.command("lint")
@click.argument("name", required=False)
@format_option()
def lint_command(name: str | None, fmt: str) -> int:
    """Check copier questions: help on each, validators on free text, defaults that pass them.

    Free text (a str question without choices) that the template writes into a path, a package name or
    YAML/Python/TOML/JSON text needs a validator. Exit 1 when anything is found. Without NAME: every
    shipped copier template.

    \b
    Examples:
      platform templates lint
      platform templates lint ./my-template --format json
    """
    from platform_cli.scaffold.template_lint import lint_template

    results = [lint_template(d) for d, _ in _targets(name) if (d / "cookiecutter.json").is_file() is False]
    problems = [p for r in results for p in r.problems]
    if fmt == "json":
        echo_json([{"template": r.template, "questions": r.questions,
                    "problems": [p.as_dict() for p in r.problems]} for r in results])  # fmt: skip
        return 1 if problems else 0
    for result in results:
        for problem in result.problems:
            click.echo(f"{result.template}/{problem.render()}")
        click.echo(f"{result.template}: {result.questions} questions, {len(result.problems)} problem(s)")
    return 1 if problems else 0


COMMANDS: list[click.Command] = [group]
