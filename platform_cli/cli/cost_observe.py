"""`platform cost dashboard | metrics | alerts | grafana`: the views people and Prometheus look at."""

from __future__ import annotations

from pathlib import Path

import click

from platform_cli.cli.cost import (
    _ledger,
    _now,
    _say_if_missing,
    group,
    now_option,
    since_option,
    until_option,
)
from platform_cli.cli.output import dry_run_option, preview_output, write_output
from platform_cli.errors import ExitCode


def _dashboard_html(ctx: click.Context, since: str | None, until: str | None, now: str | None) -> str:
    from platform_cli.cost.dashboard import render_html
    from platform_cli.cost.dashboard_data import collect
    from platform_cli.cost.trends import DEFAULT_SOAK_DAYS
    from platform_cli.cost.window import window

    ledger = _ledger(ctx)
    moment = _now(now)
    rollout = ledger.manifest.rollout
    soak = rollout.soak_days if rollout and rollout.soak_days else DEFAULT_SOAK_DAYS
    span = window(since, until, now=moment, default_days=soak)
    with ledger.reading() as read:
        _say_if_missing(ledger, read.existed)
        data = collect(
            read.store, ledger.feature, span, now=moment, budget=ledger.manifest.budget, soak_days=soak,
            price_version=ledger.prices.version, price_as_of=ledger.prices.as_of,
        )  # fmt: skip
    return render_html(data)


@group.command(name="dashboard")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("cost-dashboard.html"),
    show_default=True, help="HTML file to write.",
)  # fmt: skip
@since_option
@until_option
@click.option("--serve", is_flag=True, help="Serve it live from the store instead (rebuilt on every load).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on (with --serve).")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8050, show_default=True, help="Port (--serve)."
)
@dry_run_option
@now_option
@click.pass_context
def dashboard_command(
    ctx: click.Context,
    output: Path,
    since: str | None,
    until: str | None,
    serve: bool,
    host: str,
    port: int,
    dry_run: bool,
    now: str | None,
) -> int:
    """One self-contained HTML file (plotly inlined, opens with no network): daily spend against budget
    and projection, cost per request by prompt version, spend by model/provider, token mix, latency
    percentiles, refusal/fallback/error/malformed rates, the soak trend, and unpriced usage called out.

    The default window is the soak window (spec.rollout.soak_days, else 42 days).

    \b
    Example:
      platform cost dashboard -o cost.html
      platform cost dashboard --serve --port 8050
    """
    if serve:
        from platform_cli.cost.serve import make_server

        server = make_server(lambda: _dashboard_html(ctx, since, until, now), host, port)
        click.echo(f"serving the cost dashboard on http://{host}:{server.server_address[1]}/ (Ctrl-C stops)")
        try:
            server.serve_forever()
        finally:
            server.server_close()
        return ExitCode.OK
    page = _dashboard_html(ctx, since, until, now)
    if dry_run:
        click.echo(f"would write {output} ({len(page):,} bytes)")
        return ExitCode.OK
    write_output(page, output)
    return ExitCode.OK


@group.command(name="metrics")
@click.option("--serve", is_flag=True, help="Serve /metrics over HTTP for Prometheus to scrape.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on (with --serve).")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=9464, show_default=True, help="Port (--serve)."
)
@click.option(
    "--textfile", type=click.Path(dir_okay=False, path_type=Path),
    help="Write the exposition to FILE atomically (node_exporter's textfile collector) and exit "
    "(--dry-run: print it, write nothing).",
)  # fmt: skip
@click.option("--pushgateway", metavar="URL", help="Push once to a Prometheus Pushgateway and exit.")
@click.option("--job", default="platform-cost", show_default=True, help="Pushgateway job name.")
@click.option(
    "--window", "window_s", type=click.IntRange(60, 86_400), default=900, show_default=True,
    help="Seconds of recent traffic the per-provider (fleet) figures cover.",
)  # fmt: skip
@dry_run_option
@now_option
@click.pass_context
def metrics_command(
    ctx: click.Context,
    serve: bool,
    host: str,
    port: int,
    textfile: Path | None,
    pushgateway: str | None,
    job: str,
    window_s: int,
    dry_run: bool,
    now: str | None,
) -> int:
    """Prometheus exposition of budget, spend, trends and per-provider health, read from the store.

    Prints the exposition once by default. Metric names and labels are listed in the README.

    \b
    Example:
      platform cost metrics
      platform cost metrics --serve --port 9464
      platform cost metrics --textfile /var/lib/node_exporter/textfile/ai.prom
      platform cost metrics --textfile ai.prom --dry-run
    """
    from prometheus_client import generate_latest

    from platform_cli.cost.metrics import CostCollector, registry_for
    from platform_cli.cost.trends import DEFAULT_SOAK_DAYS

    ledger = _ledger(ctx)
    rollout = ledger.manifest.rollout
    soak = rollout.soak_days if rollout and rollout.soak_days else DEFAULT_SOAK_DAYS
    clock = (lambda: _now(now)) if now else None
    collector = CostCollector(
        ledger.manifest, ledger.state_url, window_s, soak, **({"clock": clock} if clock else {})
    )
    registry = registry_for(collector)
    if serve:
        from platform_cli.cost.serve import make_metrics_server

        server = make_metrics_server(registry, host, port)
        click.echo(f"serving metrics on http://{host}:{server.server_address[1]}/metrics (Ctrl-C stops)")
        try:
            server.serve_forever()
        finally:
            server.server_close()
        return ExitCode.OK
    if textfile is not None and dry_run:
        preview_output(generate_latest(registry).decode("utf-8"), textfile)
        _say_if_missing(ledger, collector.store_existed)
        return ExitCode.OK
    if textfile is not None:
        from prometheus_client import write_to_textfile

        write_to_textfile(str(textfile), registry)
        _say_if_missing(ledger, collector.store_existed)
        click.echo(f"wrote {textfile}", err=True)
        return ExitCode.OK
    if pushgateway and dry_run:
        click.echo(generate_latest(registry).decode("utf-8"), nl=False)
        _say_if_missing(ledger, collector.store_existed)
        click.echo(f"would push the above to {pushgateway} (job {job}); nothing pushed (--dry-run)", err=True)
        return ExitCode.OK
    if pushgateway:
        from prometheus_client import push_to_gateway

        push_to_gateway(pushgateway, job=job, registry=registry, grouping_key={"feature": ledger.feature})
        _say_if_missing(ledger, collector.store_existed)
        click.echo(f"pushed to {pushgateway} (job {job})", err=True)
        return ExitCode.OK
    click.echo(generate_latest(registry).decode("utf-8"), nl=False)
    _say_if_missing(ledger, collector.store_existed)
    return ExitCode.OK


@group.command(name="alerts")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE.")
@click.option(
    "--check", "check", type=click.Path(dir_okay=False, path_type=Path), help="Exit 1 if FILE differs."
)
@dry_run_option
@click.pass_context
def alerts_command(ctx: click.Context, output: Path | None, check: Path | None, dry_run: bool) -> int:
    """Prometheus alert rules from ai-feature.yaml: budget thresholds (alert_at), projected overrun,
    per-request breaches, unpriced usage, sustained trends, and per-provider error, fallback, malformed and
    refusal rates labelled with each provider's oncall_owner.

    \b
    Example:
      platform cost alerts -o monitoring/prometheus-rules.yml
      platform cost alerts -o monitoring/prometheus-rules.yml --dry-run
      platform cost alerts --check monitoring/prometheus-rules.yml
    """
    from platform_cli.cost.alerts import alert_rules, render_rules

    manifest = _ledger(ctx).manifest
    text = render_rules(manifest)
    if check is not None:
        return _check_generated(check, alert_rules(manifest), "platform cost alerts -o", "yaml")
    (preview_output if dry_run else write_output)(text, output)
    return ExitCode.OK


@group.command(name="grafana")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE.")
@click.option(
    "--check", "check", type=click.Path(dir_okay=False, path_type=Path), help="Exit 1 if FILE differs."
)
@dry_run_option
@click.pass_context
def grafana_command(ctx: click.Context, output: Path | None, check: Path | None, dry_run: bool) -> int:
    """A Grafana dashboard (JSON, import it) over the metrics `platform cost metrics` emits.

    \b
    Example:
      platform cost grafana -o monitoring/grafana-dashboard.json
      platform cost grafana -o monitoring/grafana-dashboard.json --dry-run
    """
    from platform_cli.cost.grafana import dashboard, render_dashboard

    feature = _ledger(ctx).feature
    text = render_dashboard(feature)
    if check is not None:
        return _check_generated(check, dashboard(feature), "platform cost grafana -o", "json")
    (preview_output if dry_run else write_output)(text, output)
    return ExitCode.OK


def _check_generated(path: Path, expected: object, command: str, kind: str) -> int:
    """Exit 1 unless FILE holds the same data as `expected` (compared as data: formatting may differ)."""
    from platform_cli.errors import PlatformError
    from platform_cli.jsonfile import load_json
    from platform_cli.yamlfile import load_yaml

    if not path.is_file():
        click.echo(f"{path} does not exist; write it with `{command} {path}`", err=True)
        return ExitCode.CHECK_FAILED
    try:
        current = (load_json if kind == "json" else load_yaml)(path).data
    except PlatformError as error:
        click.echo(f"{error}; regenerate it with `{command} {path}`", err=True)
        return ExitCode.CHECK_FAILED
    if current != expected:
        click.echo(f"{path} is out of date with ai-feature.yaml; regenerate: `{command} {path}`", err=True)
        return ExitCode.CHECK_FAILED
    click.echo(f"{path} is up to date")
    return ExitCode.OK


# `platform cost` as a whole: the group of cli/cost with the commands above attached (cli/main loads this).
COMMANDS: list[click.Command] = [group]
