"""`platform secrets`: rotate, status, verify, rollback and scan (values are never printed)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from platform_cli.cli.output import dry_run_option, echo_json, format_option
from platform_cli.errors import ExitCode, UserError


@click.group(name="secrets")
def group() -> None:
    """Rotate provider keys in their backends (env-file, Vault/OpenBao, AWS) and scan for leaked ones.

    Values are never printed: every command reports metadata only, and `--format json` too.

    \b
    Example:
      platform secrets status
      platform secrets rotate OPENAI_API_KEY --stdin
      platform secrets scan --history
    """


def _manifest(ctx: click.Context) -> Any:
    from platform_cli.manifest import load_manifest
    from platform_cli.repo import MANIFEST_NAME

    return load_manifest(ctx.obj.repo() / MANIFEST_NAME)


def _where(manifest: Any) -> Any:
    from platform_cli.secrets.audit import Where

    return Where(repo=manifest.root.resolve(), feature=manifest.name)


def _declared(manifest: Any, name: str) -> Any:
    spec = manifest.secret(name)
    if spec is None:
        declared = ", ".join(s.name for s in manifest.secrets) or "none"
        raise UserError(
            f"{manifest.display}: {name} is not declared in spec.secrets (declared: {declared}); add "
            f"`- {{name: {name}, backend: env-file, path: .env, rotation_days: 90, owner: <team>}}`"
        )
    return spec


def _read_stdin(name: str) -> str:
    if sys.stdin is None:
        raise UserError("--stdin: there is no standard input")
    if sys.stdin.isatty():
        value: str = click.prompt(f"New value for {name} (input hidden)", hide_input=True, err=True)
        return value
    return sys.stdin.read()


def _render_report(report: Any, fmt: str) -> None:
    if fmt == "json":
        echo_json(report.as_dict())
        return
    if report.outcome == "rotated":
        tail = f"; previous valid until {report.grace_until}" if report.grace_until else ""
        click.echo(f"rotated {report.name}: version {report.current_version} is current{tail}")
    elif report.outcome == "test-failed":
        click.echo(f"FAILED {report.name}: the key did not pass its test; the current key is untouched")
    elif report.outcome == "rolled-back":
        click.echo(
            f"rolled back {report.name}: the previous key is current (version {report.current_version})"
        )
    elif report.outcome == "dry-run":
        click.echo("dry run: nothing was changed")
    elif report.outcome == "aborted":
        click.echo(f"aborted the rotation of {report.name}; the current key is untouched")


def _progress(fmt: str) -> Any:
    def show(step: Any) -> None:
        click.echo(f"  {step.step:<8} {step.status:<8} {step.detail}")

    return None if fmt == "json" else show


@group.command(name="rotate")
@click.argument("name")
@click.option("--generate", "generate", is_flag=True, help="Generate a random key (for servers you run).")
@click.option(
    "--stdin", "use_stdin", is_flag=True, help="Read the new key from stdin (hidden prompt on a tty)."
)
@click.option("--command", "command", metavar="CMD", help="Shell command that mints a key and prints it.")
@click.option(
    "--test-command",
    metavar="CMD",
    help="Test the pending key with CMD (it gets the key in $NAME) instead of the provider's models list.",
)
@click.option("--token", metavar="TOKEN", help="Rotation token: re-running a finished token does nothing.")
@click.option(
    "--grace-hours",
    type=click.FloatRange(min=0),
    default=24.0,
    show_default=True,
    help="How long the previous key stays valid.",
)
@click.option("--abort", "abort", is_flag=True, help="Discard the rotation in progress.")
@dry_run_option
@format_option()
@click.pass_context
def rotate_command(
    ctx: click.Context,
    name: str,
    generate: bool,
    use_stdin: bool,
    command: str | None,
    test_command: str | None,
    token: str | None,
    grace_hours: float,
    abort: bool,
    dry_run: bool,
    fmt: str,
) -> int:
    """Rotate NAME: create pending -> set -> test -> finish.

    The pending key is tested (by default a models-list call to the provider that uses it) before it
    becomes current; the old key stays valid as `previous` for the grace period. If the test fails, the
    pending key is discarded and the current one is untouched (exit 1). If the command is interrupted,
    run it again: it resumes the same rotation from the backend's journal.

    \b
    Audit log (each step, repo, feature; never a value): ~/.cache/platform-cli/logs/secrets-audit.jsonl

    \b
    Example:
      platform secrets rotate OPENAI_API_KEY --stdin < new-key.txt
      platform secrets rotate PRIMARY_API_KEY --generate --test-command './check-key.sh'
      platform secrets rotate OPENAI_API_KEY --command './mint-key.sh' --token "$CI_JOB_ID"
      platform secrets rotate OPENAI_API_KEY --dry-run --stdin
      platform secrets rotate OPENAI_API_KEY --abort
    """
    from platform_cli.secrets import open_backend, rotation, sources
    from platform_cli.secrets.checks import default_check
    from platform_cli.secrets.model import RotationMeta

    chosen = [
        flag for flag, on in (("--generate", generate), ("--stdin", use_stdin), ("--command", command)) if on
    ]
    if len(chosen) > 1:
        raise UserError(f"choose one of {', '.join(chosen)}: they are different sources for the new key")
    if abort and chosen:
        raise UserError("--abort discards the rotation in progress; it takes no new value")
    manifest = _manifest(ctx)
    spec = _declared(manifest, name)
    backend = open_backend(spec, manifest.root)
    progress = _progress(fmt)
    if fmt != "json":
        click.echo(f"{'dry run: ' if dry_run else ''}{name} in {backend.kind} ({backend.location})")
    if abort:
        report = rotation.abort(
            backend, name=name, dry_run=dry_run, progress=progress, where=_where(manifest)
        )
        _render_report(report, fmt)
        return ExitCode.OK
    source = None
    if generate:
        source = sources.generated()
    elif use_stdin:
        source = sources.from_reader(lambda: _read_stdin(name), "stdin")
    elif command:
        source = sources.from_command(command)
    report = rotation.rotate(
        backend,
        name=name,
        source=source,
        check=default_check(manifest, name, test_command),
        meta=RotationMeta(owner=spec.owner, rotation_days=spec.rotation_days),
        token=rotation.check_token(token) if token else None,
        grace=dt.timedelta(hours=grace_hours),
        dry_run=dry_run,
        progress=progress,
        where=_where(manifest),
    )
    _render_report(report, fmt)
    return ExitCode.CHECK_FAILED if report.failed else ExitCode.OK


@group.command(name="status")
@format_option()
@click.pass_context
def status_command(ctx: click.Context, fmt: str) -> int:
    """Show every declared secret: backend, age, period, due date, owner. Exit 1 when any is overdue.

    A secret that was never set, whose age is unknown, or whose backend cannot be reached also fails;
    the line says what to do.

    \b
    Example:
      platform secrets status
      platform secrets status --format json
    """
    from platform_cli.secrets.status import secrets_status

    manifest = _manifest(ctx)
    rows = secrets_status(manifest)
    failing = [r for r in rows if r.failing]
    if fmt == "json":
        echo_json({"secrets": [r.as_dict() for r in rows], "failing": [r.name for r in failing]})
        return ExitCode.CHECK_FAILED if failing else ExitCode.OK
    if not rows:
        click.echo(f"no secrets declared in {manifest.display} (spec.secrets is empty)")
        return ExitCode.OK
    width = max(len(r.name) for r in rows)
    click.echo(
        f"{'NAME':<{width}}  {'BACKEND':<8} {'AGE':>5}  {'PERIOD':>6}  {'DUE':<10}  {'STATE':<8} OWNER"
    )
    for r in rows:
        age = "-" if r.age_days is None else f"{r.age_days}d"
        click.echo(
            f"{r.name:<{width}}  {r.backend:<8} {age:>5}  {r.rotation_days:>5}d  {r.due or '-':<10}  "
            f"{r.state:<8} {r.owner or '-'}"
        )
    for r in rows:
        if r.failing or r.rotation_in_progress:
            click.echo(f"{r.name}: {r.reason}")
        if r.previous_valid_until:
            click.echo(f"{r.name}: previous key valid until {r.previous_valid_until}")
        for warning in r.warnings:
            click.echo(f"{r.name}: warning: {warning}")
    return ExitCode.CHECK_FAILED if failing else ExitCode.OK


@group.command(name="verify")
@click.argument("names", nargs=-1)
@click.option("--test-command", metavar="CMD", help="Test each key with CMD (key in $NAME) instead.")
@format_option()
@click.pass_context
def verify_command(ctx: click.Context, names: tuple[str, ...], test_command: str | None, fmt: str) -> int:
    """Check that each declared secret's current key exists and works. Exit 1 when any does not.

    By default the check is a models-list call to the provider that uses the key (nothing for the
    offline fake provider). NAMES limits the check to those secrets.

    \b
    Example:
      platform secrets verify
      platform secrets verify OPENAI_API_KEY --format json
    """
    from platform_cli.secrets.status import verify_all

    manifest = _manifest(ctx)
    for name in names:
        _declared(manifest, name)
    results = verify_all(manifest, names=names, test_command=test_command)
    failed = [r for r in results if not r.ok]
    if fmt == "json":
        echo_json({"results": [r.as_dict() for r in results], "failed": [r.name for r in failed]})
    else:
        for r in results:
            click.echo(f"{'ok  ' if r.ok else 'FAIL'}  {r.name} ({r.backend}): {r.detail}")
        if not results:
            click.echo(f"no secrets declared in {manifest.display}")
    return ExitCode.CHECK_FAILED if failed else ExitCode.OK


@group.command(name="rollback")
@click.argument("name")
@click.option("--no-test", is_flag=True, help="Do not test the previous key before restoring it.")
@click.option("--test-command", metavar="CMD", help="Test the previous key with CMD (key in $NAME) instead.")
@click.option(
    "--to-rolled-back",
    is_flag=True,
    help="Right after a rollback, restore the key that rollback took out of service (refused otherwise).",
)
@dry_run_option
@format_option()
@click.pass_context
def rollback_command(
    ctx: click.Context,
    name: str,
    no_test: bool,
    test_command: str | None,
    to_rolled_back: bool,
    dry_run: bool,
    fmt: str,
) -> int:
    """Make the previous version of NAME current again (after testing that it still works).

    Exit 1, changing nothing, when the previous key fails its test (it was revoked?). A second rollback
    in a row would restore the key the first one took out of service: it exits 2 unless --to-rolled-back.

    \b
    Audit log (each step, repo, feature; never a value): ~/.cache/platform-cli/logs/secrets-audit.jsonl

    \b
    Example:
      platform secrets rollback OPENAI_API_KEY --dry-run
      platform secrets rollback OPENAI_API_KEY
    """
    from platform_cli.secrets import open_backend, rotation
    from platform_cli.secrets.checks import default_check

    manifest = _manifest(ctx)
    spec = _declared(manifest, name)
    backend = open_backend(spec, manifest.root)
    if fmt != "json":
        click.echo(f"{'dry run: ' if dry_run else ''}{name} in {backend.kind} ({backend.location})")
    check = None if no_test else default_check(manifest, name, test_command)
    report = rotation.rollback(
        backend,
        name=name,
        check=check,
        dry_run=dry_run,
        progress=_progress(fmt),
        to_rolled_back=to_rolled_back,
        where=_where(manifest),
    )
    _render_report(report, fmt)
    return ExitCode.CHECK_FAILED if report.failed else ExitCode.OK


@group.command(name="scan")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--history", is_flag=True, help="Scan every blob in git history, not just the working tree.")
@format_option()
def scan_command(path: Path | None, history: bool, fmt: str) -> int:
    """Find API keys and other secrets in PATH (a directory, default `.`, or one file). Exit 1 on any finding.

    Uses the scanner of the `no-committed-secrets` readiness rule; findings show a redacted preview
    only. With --history, every blob reachable from any ref is scanned, with the commit that added it.

    \b
    Example:
      platform secrets scan
      platform secrets scan path/to/repo --history --format json
    """
    from platform_cli.clock import utc_today
    from platform_cli.readiness.waivers import max_days
    from platform_cli.scanners.secrets import Allowlist
    from platform_cli.secrets.history import scan_file, scan_history, scan_worktree

    allowlist = Allowlist(today=utc_today(), max_days=max_days())
    root = (path or Path.cwd()).resolve()
    if root.is_file():
        if history:
            raise UserError(f"{root} is a file; --history scans a repository (pass its directory)")
        outcome = scan_file(root, allowlist)
    else:
        outcome = scan_history(root, allowlist) if history else scan_worktree(root, allowlist)
    findings = outcome.findings
    what = "blobs in history" if history else "files"
    if fmt == "json":
        echo_json(
            {
                "root": str(root),
                "history": history,
                "scanned": outcome.scanned,
                "findings": [f.as_dict() for f in findings],
                "count": len(findings),
                "allowlisted": [f.as_dict() for f in outcome.allowlisted],
                "skipped": [s.as_dict() for s in outcome.skipped],
            }
        )
        return ExitCode.CHECK_FAILED if outcome.failed else ExitCode.OK
    for f in findings:
        hit = f.hit
        where = f" (commit {f.commit})" if f.commit else ""
        named = f" assigned to {hit.name}" if hit.name else ""
        note = f"; {hit.note}" if hit.note else ""
        click.echo(f"{hit.file}:{hit.line}:{hit.column}: {hit.label} {hit.preview}{named}{where}{note}")
    for f in outcome.allowlisted:
        hit = f.hit
        click.echo(
            f"{hit.file}:{hit.line}: allowlisted {hit.label} (approver {hit.approver}, expires {hit.expires})"
        )
    for skipped in outcome.skipped:
        blocking = "not scanned" if skipped.blocking else "skipped"
        click.echo(f"{skipped.file}: {blocking}: {skipped.reason}")
    summary = f"{len(findings)} finding{'s' if len(findings) != 1 else ''} in {outcome.scanned} {what}"
    if outcome.skipped:
        summary += f" ({len(outcome.skipped)} not scanned, named above)"
    click.echo(summary)
    if findings:
        click.echo(
            "revoke and rotate each key (`platform secrets rotate NAME`); deleting the line does not "
            "remove it from git history"
        )
    return ExitCode.CHECK_FAILED if outcome.failed else ExitCode.OK


COMMANDS: list[click.Command] = [group]
