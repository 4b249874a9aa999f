"""`platform catalog`: validate catalog-info.yaml, register the feature in Backstage, read its status."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from platform_cli.cli.output import dry_run_option, echo_json, format_option
from platform_cli.errors import ExitCode

if TYPE_CHECKING:
    from platform_cli.backstage.client import CatalogClient
    from platform_cli.backstage.registration import Outcome

TARGET_HELP = (
    "Location to register: an https URL of this repo's catalog-info.yaml (what most catalogs accept), or "
    "a path the catalog can read as a `file` location. [default: this repo's catalog-info.yaml as a file]"
)


@click.group(name="catalog")
def group() -> None:
    """Backstage catalog: validate catalog-info.yaml, register the feature, read what the catalog has.

    The catalog is $BACKSTAGE_URL (token: $BACKSTAGE_TOKEN), or `backstage: {url, token}` in
    ~/.config/platform-cli/config.yaml. The token is sent only to that URL and never printed.

    \b
    Example:
      platform catalog validate
      platform catalog register --target https://git.example.com/org/repo/blob/main/catalog-info.yaml
      platform catalog status --wait 30
    """


@group.command(name="validate")
@format_option()
@click.pass_context
def validate(ctx: click.Context, fmt: str) -> int:
    """Check catalog-info.yaml against Backstage's entity rules and against ai-feature.yaml.

    Backstage's rules for a Component: apiVersion and kind, name and namespace formats, annotation,
    label and tag formats, spec.type, spec.lifecycle and spec.owner. Name, owner, lifecycle and system
    must agree with the manifest; a mismatch names both files and lines. Exit 2 when anything is wrong.
    Needs no Backstage server.

    \b
    Example:
      platform catalog validate
      platform --repo services/summarizer catalog validate --format json
    """
    from platform_cli.backstage.registration import local_entity

    entity = local_entity(ctx.obj.repo())
    if fmt == "json":
        echo_json({"valid": True, "entity_ref": entity.ref, "file": entity.loaded.display})
    else:
        click.echo(
            f"{entity.loaded.display}: valid Backstage Component {entity.ref}, agrees with the manifest"
        )
    return ExitCode.OK


@group.command(name="register")
@click.option("--target", help=TARGET_HELP)
@dry_run_option
@format_option()
@click.pass_context
def register(ctx: click.Context, target: str | None, dry_run: bool, fmt: str) -> int:
    """Register the feature's catalog-info.yaml in Backstage (POST /api/catalog/locations).

    Validates locally, then asks Backstage for a dry run (its own validation: an invalid entity exits 2
    with Backstage's message), then registers. Already registered (409) is success: the entity is
    refreshed from its location instead, so re-run this after editing catalog-info.yaml.
    Exit 1 when the catalog cannot be reached or fails.

    \b
    Example:
      platform catalog register --dry-run
      platform catalog register --target https://git.example.com/org/repo/blob/main/catalog-info.yaml
    """
    from platform_cli.backstage import registration

    root = ctx.obj.repo()
    with _client() as client:
        outcome = registration.register(
            client, root, registration.Target.parse(target, root), dry_run=dry_run
        )
    _render(outcome, fmt)
    return ExitCode.OK


@group.command(name="status")
@click.option("--target", help=TARGET_HELP)
@click.option(
    "--wait",
    "wait_s",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    help="Seconds to poll while the location is registered but the catalog has not ingested the entity.",
)
@format_option()
@click.pass_context
def status(ctx: click.Context, target: str | None, wait_s: float, fmt: str) -> int:
    """Show the feature's entity as the catalog serves it (GET /api/catalog/entities/by-name/...).

    Exit 0 when the catalog has it, 1 when it is not registered or not ingested within --wait.

    \b
    Example:
      platform catalog status
      platform catalog status --wait 30 --format json
    """
    from platform_cli.backstage import registration

    root = ctx.obj.repo()
    with _client() as client:
        outcome = registration.status(client, root, registration.Target.parse(target, root), wait_s=wait_s)
    _render(outcome, fmt)
    return ExitCode.OK if outcome.action == "found" else ExitCode.CHECK_FAILED


@group.command(name="unregister")
@click.option("--target", help=TARGET_HELP + " Used when the catalog has not ingested the entity.")
@dry_run_option
@format_option()
@click.pass_context
def unregister(ctx: click.Context, target: str | None, dry_run: bool, fmt: str) -> int:
    """Remove the feature from the catalog (DELETE the location that registered it, and its entities).

    Nothing registered is not an error (exit 0, said so).

    \b
    Example:
      platform catalog unregister --dry-run
      platform catalog unregister
    """
    from platform_cli.backstage import registration

    root = ctx.obj.repo()
    with _client() as client:
        outcome = registration.unregister(
            client, root, registration.Target.parse(target, root), dry_run=dry_run
        )
    _render(outcome, fmt)
    return ExitCode.OK


@contextmanager
def _client() -> Iterator[CatalogClient]:
    """A CatalogClient for the configured catalog, closed afterwards."""
    from platform_cli.backstage.client import CatalogClient
    from platform_cli.backstage.settings import require_settings

    client = CatalogClient(require_settings())
    try:
        yield client
    finally:
        client.close()


_SAID = {
    "registered": "registered {ref} (location {location})",
    "already-registered": "{ref} was already registered (location {location})",
    "dry-run": "dry run: Backstage accepts {ref} from {location}; nothing was changed",
    "found": "{ref} is in the catalog (location {location})",
    "processing": "{ref} is registered but not in the catalog yet",
    "not-found": "{ref} is not in the catalog",
    "not-registered": "{ref} is not registered",
    "unregistered": "unregistered {ref} (removed location {location})",
}


def _render(outcome: Outcome, fmt: str) -> None:
    if fmt == "json":
        echo_json(outcome.as_dict())
        return
    where = "?"
    if outcome.target is not None:
        where = f"{outcome.target.type}:{outcome.target.target}"
        if outcome.location_id:
            where += f", id {outcome.location_id}"
    click.echo(_SAID.get(outcome.action, outcome.action).format(ref=outcome.entity_ref, location=where))
    if outcome.entity:
        from platform_cli.backstage.client import as_dict

        spec = as_dict(outcome.entity.get("spec"))
        metadata = as_dict(outcome.entity.get("metadata"))
        click.echo(
            f"  owner: {spec.get('owner')}  lifecycle: {spec.get('lifecycle')}  uid: {metadata.get('uid')}"
        )
        annotations = as_dict(metadata.get("annotations"))
        for key, value in sorted(annotations.items()):
            if str(key).startswith("platform.dev/readiness-"):
                click.echo(f"  {key}: {value}")
    for note in outcome.notes:
        click.echo(f"  {note}")


COMMANDS: list[click.Command] = [group]
