"""`platform policies`: list the readiness rule packs and test every rule against its own examples."""

from __future__ import annotations

from pathlib import Path

import click

from platform_cli.cli.output import echo_json, format_option
from platform_cli.cli.readiness import policies_option
from platform_cli.errors import ExitCode


@click.group(name="policies")
def group() -> None:
    """Readiness rule packs: list the rules and test them against their own examples.

    \b
    Example:
      platform policies list
      platform policies test
      platform policies test my-pack/
    """


@group.command(name="list")
@format_option()
@policies_option
def list_rules(fmt: str, policies: tuple[Path, ...]) -> int:
    """List every rule of the shipped, configured and --policies packs.

    \b
    Example:
      platform policies list
      platform policies list --policies ./company-rules --format json
    """
    from platform_cli.readiness.model import LEVELS
    from platform_cli.readiness.rules import installed_fact_names, load_rules, rule_to_dict

    loaded = load_rules(policies, known_facts=installed_fact_names())
    rules = sorted(loaded, key=lambda r: (LEVELS.index(r.level), r.id))
    if fmt == "json":
        echo_json([rule_to_dict(r) for r in rules])
        return ExitCode.OK
    if not rules:
        click.echo("no readiness rules found")
        return ExitCode.OK
    width = max(len(r.id) for r in rules)
    for rule in rules:
        warning = " (warning)" if rule.severity == "warning" else ""
        click.echo(f"{rule.level:<7} {rule.id:<{width}}  [{rule.fact}] {rule.title}{warning}")
    click.echo(f"{len(rules)} rules")
    return ExitCode.OK


@group.command(name="test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@format_option()
def test_rules(paths: tuple[Path, ...], fmt: str) -> int:
    """Run every rule against its own examples (like `conftest verify`).

    Each `examples.pass` value must pass, each `examples.fail` value must fail, and the rule's message
    templates must render for them. PATHS are rule files or pack directories (default: the shipped
    and configured packs). Exits 1 when any rule fails, 2 when a rule file is invalid (including a
    `fact:` that no installed collector provides) or a PATH holds no rule file.

    \b
    Example:
      platform policies test
      platform policies test policies/readiness/model-pinned.yaml
      platform policies test ./company-rules --format json
    """
    from platform_cli.readiness.evaluate import example_failures
    from platform_cli.readiness.rules import installed_fact_names, load_rule_files, load_rules, rule_files

    known = installed_fact_names()
    if paths:
        rules = load_rule_files([f for p in paths for f in rule_files(p)], known_facts=known)
    else:
        rules = load_rules(known_facts=known)
    results = [(rule, example_failures(rule)) for rule in rules]
    failed = sum(1 for _, failures in results if failures)
    if fmt == "json":
        echo_json(
            {
                "rules": [
                    {
                        "id": rule.id,
                        "ok": not failures,
                        "examples": len(rule.examples_pass) + len(rule.examples_fail),
                        "failures": failures,
                        "source": None if rule.source is None else f"{rule.source.file}:{rule.source.line}",
                    }
                    for rule, failures in results
                ],
                "passed": len(results) - failed,
                "failed": failed,
            }
        )
    else:
        for rule, failures in results:
            count = len(rule.examples_pass) + len(rule.examples_fail)
            if not failures:
                click.echo(f"ok    {rule.id} ({count} examples)")
                continue
            where = f"{rule.source.file}:{rule.source.line}" if rule.source else ""
            click.echo(f"FAIL  {rule.id} ({where})")
            for failure in failures:
                click.echo(f"        {failure}")
        click.echo(f"{len(results)} rules: {len(results) - failed} ok, {failed} failed")
    return ExitCode.CHECK_FAILED if failed else ExitCode.OK


COMMANDS: list[click.Command] = [group]
