"""`platform cost`: prices, reprice, report, budget check, trends (dashboard and metrics: cost_observe.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click

from platform_cli.cli.output import (
    dry_run_option,
    echo_json,
    format_option,
    preview_output,
    write_output,
)
from platform_cli.errors import ExitCode

if TYPE_CHECKING:
    from platform_cli.cost.ledger import Ledger


@click.group(name="cost")
def group() -> None:
    """Cost ledger: priced usage, reports, budgets, soak trends, dashboard, Prometheus metrics and alerts.

    Usage events come from the runtime (one per call, in the state store); prices from a dated table in
    LiteLLM's format (shipped with platform-cli, overridable per repo with `prices.json`). A model with no
    price is reported as UNPRICED, never as $0.

    \b
    Example:
      platform cost report --since 7d --by model
      platform cost budget check
      platform cost dashboard -o cost.html
    """


def _ledger(ctx: click.Context) -> Ledger:
    from platform_cli.cost.ledger import open_ledger

    return open_ledger(ctx.obj.repo())


def _say_if_missing(ledger: Ledger, existed: bool) -> None:
    """A read of a store that was never written: say so (on stderr: --format json stays parseable)."""
    if not existed:
        from platform_cli.cost.ledger import NO_USAGE
        from platform_cli.store import redact_url

        click.echo(NO_USAGE.format(url=redact_url(ledger.state_url)), err=True)


def _now(value: str | None) -> dt.datetime:
    from platform_cli.cost.window import now_utc, parse_moment

    current = now_utc()
    return parse_moment(value, current, "--now") if value else current


now_option = click.option(
    "--now", "now", metavar="TIME", hidden=True, help="Pretend it is TIME (UTC; for tests and replays)."
)
since_option = click.option("--since", metavar="WHEN", help="Start: YYYY-MM-DD, ISO time, or age (7d, 12h).")
until_option = click.option("--until", metavar="WHEN", help="End (exclusive; default: now).")


# --- prices -----------------------------------------------------------------------------------------------
@group.group(name="prices")
def prices_group() -> None:
    """The price table: show it, import prices from a LiteLLM-format file.

    \b
    Example:
      platform cost prices show
      platform cost prices import model_prices_and_context_window.json
    """


@prices_group.command(name="show")
@click.argument("models", nargs=-1, metavar="[MODEL]...")
@click.option(
    "--all", "show_all", is_flag=True, help="Every model in the table (default: the declared ones)."
)
@format_option()
@click.pass_context
def prices_show(ctx: click.Context, models: tuple[str, ...], show_all: bool, fmt: str) -> int:
    """Prices (USD per 1M tokens) of the declared models, or of MODEL..., with the table's version and date.

    Exits 1 when a model asked about (or declared) has no price: it would be reported as unpriced.

    \b
    Example:
      platform cost prices show
      platform cost prices show gpt-4o-2024-08-06 --format json
    """
    ledger = _ledger(ctx)
    table = ledger.prices
    wanted = sorted(table.prices) if show_all else (list(models) or ledger.declared_models)
    rows = {m: table.lookup(m) for m in wanted}
    missing = [m for m, price in rows.items() if price is None]
    if fmt == "json":
        echo_json(
            {
                "version": table.version, "as_of": table.as_of, "source": table.source,
                "layers": list(table.layers),
                "models": {m: (None if p is None else p.as_litellm()) for m, p in rows.items()},
                "unpriced": missing,
            }
        )  # fmt: skip
    else:
        from platform_cli.cost.report import table as text_table

        click.echo(f"price table {table.version} as of {table.as_of}")
        click.echo(f"source: {table.source}")
        lines = []
        for model, price in rows.items():
            if price is None:
                lines.append([model, "UNPRICED", "", "", "", ""])
                continue
            per = price.per_million()
            lines.append(
                [model, _m(per.get("input_cost")), _m(per.get("output_cost")),
                 _m(per.get("cache_read_input")), _m(per.get("cache_creation_input")), price.source or ""]
            )  # fmt: skip
        headers = ["model", "input/1M", "output/1M", "cache read/1M", "cache write/1M", "source"]
        for line in text_table(headers, lines):
            click.echo(line)
        if missing:
            click.echo(
                f"{len(missing)} unpriced: {', '.join(missing)} (platform cost prices import FILE)", err=True
            )
    return ExitCode.CHECK_FAILED if missing else ExitCode.OK


def _m(value: float | None) -> str:
    return "-" if value is None else f"${value:g}"


@prices_group.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--model", "models", multiple=True, help="Take only this model (repeatable).")
@click.option("--all", "take_all", is_flag=True, help="Take every token-priced model in FILE.")
@click.option("--as-of", help="Date the prices were taken (default: today).")
@click.option("--source", help="Where FILE came from, recorded in the table (default: its name).")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
    help="Table to write (default: prices.json in the repo).",
)  # fmt: skip
@dry_run_option
@format_option()
@click.pass_context
def prices_import(
    ctx: click.Context,
    file: Path,
    models: tuple[str, ...],
    take_all: bool,
    as_of: str | None,
    source: str | None,
    output: Path | None,
    dry_run: bool,
    fmt: str,
) -> int:
    """Take prices from FILE (LiteLLM's model_prices_and_context_window.json format) into prices.json.

    By default takes every model the manifest declares plus those already in prices.json. Commit the
    file: CI and every replica then price alike. Run `platform cost reprice --since ...` afterwards to
    recompute stored costs.

    \b
    Example:
      platform cost prices import model_prices_and_context_window.json --dry-run
      platform cost prices import litellm.json --model my-model-2025-01-01 --source "litellm 1.80"
    """
    from platform_cli.cost.price_import import import_prices
    from platform_cli.cost.prices import REPO_PRICES

    ledger = _ledger(ctx)
    destination = output or ledger.manifest.root / REPO_PRICES
    result = import_prices(
        file, destination, models=models, declared=ledger.declared_models, take_all=take_all,
        as_of=as_of, source=source, dry_run=dry_run,
    )  # fmt: skip
    if fmt == "json":
        echo_json(result.as_dict())
    else:
        verb = "would write" if dry_run else "wrote"
        click.echo(f"{verb} {destination}: table {result.table.version} as of {result.table.as_of}")
        for model in result.added:
            click.echo(f"  added {model}")
        for model, old, new in result.changed:
            diffs = ", ".join(f"{k} {old.get(k)} -> {new.get(k)}" for k in new if old.get(k) != new.get(k))
            click.echo(f"  changed {model}: {diffs}")
        if result.unchanged:
            click.echo(f"  unchanged: {len(result.unchanged)} model(s)")
        for model in result.not_in_file:
            click.echo(f"  NOT IN FILE (stays unpriced unless the bundled table has it): {model}")
    return ExitCode.OK


# --- reprice ----------------------------------------------------------------------------------------------
@group.command(name="reprice")
@click.option("--since", required=True, metavar="WHEN", help="First event to reprice (date, time or age).")
@until_option
@dry_run_option
@format_option()
@click.pass_context
def reprice_command(ctx: click.Context, since: str, until: str | None, dry_run: bool, fmt: str) -> int:
    """Recompute the cost of stored usage events with the current price table (after a price change).

    Every event in the window gets the current table's version; models still without a price stay unpriced.

    \b
    Example:
      platform cost reprice --since 2026-11-01 --dry-run
    """
    from platform_cli.cost.ledger import reprice
    from platform_cli.cost.window import window

    ledger = _ledger(ctx)
    span = window(since, until)
    with ledger.store() as store:
        result = reprice(store, ledger.feature, ledger.prices, span, dry_run=dry_run)
    if fmt == "json":
        echo_json(result.as_dict())
    else:
        verb = "would reprice" if dry_run else "repriced"
        click.echo(
            f"{verb} {result.examined:,} event(s) with table {result.version}: {result.changed:,} changed "
            f"version, {result.priced:,} priced, {result.unpriced:,} unpriced"
        )
        for model, count in result.unpriced_models.most_common():
            click.echo(f"  UNPRICED {model}: {count:,}")
    return ExitCode.OK


# --- report -----------------------------------------------------------------------------------------------
@group.command(name="report")
@since_option
@until_option
@click.option(
    "--by", type=click.Choice(
        ["day", "model", "provider", "prompt", "version", "variant", "segment", "cohort", "operation"]
    ), default="day", show_default=True, help="Group by.",
)  # fmt: skip
@format_option("text", "json", "csv")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE.")
@dry_run_option
@now_option
@click.pass_context
def report_command(
    ctx: click.Context,
    since: str | None,
    until: str | None,
    by: str,
    fmt: str,
    output: Path | None,
    dry_run: bool,
    now: str | None,
) -> int:
    """Requests, tokens by bucket, cost, cost per request, p50/p95 latency and cache-hit, refusal,
    fallback and error rates, grouped, with user, eval and offline traffic apart (default: last 30 days).

    \b
    Example:
      platform cost report --since 7d --by model
      platform cost report --since 2026-11-01 --by version --format csv -o november.csv
    """
    from platform_cli.cost.report import build_report, render_csv, render_text
    from platform_cli.cost.window import window

    ledger = _ledger(ctx)
    span = window(since, until, now=_now(now))
    with ledger.reading() as read:
        _say_if_missing(ledger, read.existed)
        report = build_report(read.store, ledger.feature, by, span)
    if fmt == "json":
        from platform_cli.cli.output import to_json

        text = to_json(report.as_dict())
    else:
        text = render_csv(report) if fmt == "csv" else render_text(report)
    (preview_output if dry_run else write_output)(text, output)
    return ExitCode.OK


# --- budget -----------------------------------------------------------------------------------------------
@group.group(name="budget")
def budget_group() -> None:
    """Budgets from spec.budget: month-to-date spend, projection, alert thresholds, per-request limit.

    \b
    Example:
      platform cost budget check
    """


@budget_group.command(name="check")
@click.option("--allow-unpriced", is_flag=True, help="Unpriced requests warn instead of failing.")
@format_option()
@now_option
@click.pass_context
def budget_check(ctx: click.Context, allow_unpriced: bool, fmt: str, now: str | None) -> int:
    """Month-to-date spend, projection to month end, alert_at thresholds and per-request breaches.

    Exit 1 when spend reached monthly_usd, a request cost more than per_request_usd, or requests are
    unpriced (the spend is then unknown).

    \b
    Example:
      platform cost budget check --format json
    """
    from platform_cli.cost.budget import check_budget, render_text
    from platform_cli.errors import UserError

    ledger = _ledger(ctx)
    if ledger.manifest.budget is None:
        raise UserError(
            f"{ledger.manifest.display}: spec.budget is missing; add "
            "`budget: {monthly_usd: 500, per_request_usd: 0.02, alert_at: [0.5, 0.8, 1.0]}`"
        )
    with ledger.reading() as read:
        _say_if_missing(ledger, read.existed)
        status = check_budget(
            read.store, ledger.feature, ledger.manifest.budget, now=_now(now), allow_unpriced=allow_unpriced
        )
    if fmt == "json":
        echo_json(status.as_dict())
    else:
        click.echo(render_text(status), nl=False)
    return ExitCode.CHECK_FAILED if status.over else ExitCode.OK


# --- trends -----------------------------------------------------------------------------------------------
@group.command(name="trends")
@click.option(
    "--soak-days", type=click.IntRange(14, 366), help="Window (default: spec.rollout.soak_days, else 42)."
)
@click.option(
    "--min-change", type=click.FloatRange(0, 10), default=0.10, show_default=True,
    help="Smallest change over the window that counts as a trend (0.10 = 10%).",
)  # fmt: skip
@format_option()
@now_option
@click.pass_context
def trends_command(
    ctx: click.Context, soak_days: int | None, min_change: float, fmt: str, now: str | None
) -> int:
    """Week over week across the soak window per prompt version and cohort: cost and tokens per request,
    refusal rate, cache-hit rate, p95 latency; flags a sustained slope, not a one-day spike.

    Exit 1 when a sustained trend in the worse direction is found. The method is printed with the result.

    \b
    Example:
      platform cost trends
      platform cost trends --soak-days 28 --format json
    """
    from platform_cli.cost.trends import DEFAULT_SOAK_DAYS, render_text, soak_trends

    ledger = _ledger(ctx)
    rollout = ledger.manifest.rollout
    days = soak_days or (rollout.soak_days if rollout and rollout.soak_days else DEFAULT_SOAK_DAYS)
    with ledger.reading() as read:
        _say_if_missing(ledger, read.existed)
        report = soak_trends(read.store, ledger.feature, now=_now(now), soak_days=days, min_change=min_change)
    if fmt == "json":
        echo_json(report.as_dict())
    else:
        click.echo(render_text(report), nl=False)
    return ExitCode.CHECK_FAILED if report.sustained else ExitCode.OK


# cli/cost_observe.py adds the dashboard, metrics, alerts and grafana commands and exports COMMANDS.
