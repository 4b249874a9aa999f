"""How a generated repo installs platform-cli: the pip requirement that gives it the same build as the copy
that scaffolded it, recorded in its pipelines, README and NEXT_STEPS.

In order: $PLATFORM_CLI_SPEC, then `platform_cli_spec` in the user config (what the platform team ships:
a version on the company index, a git URL at a tag, a wheel URL), then how this copy was installed
(PEP 610's direct_url.json: a VCS URL at its commit, or a wheel/sdist URL), else the released version
(`platform-cli==X.Y.Z`, for a copy installed from an index). A copy installed from a local directory has
no address another machine can use: the version is recorded and a note says to configure the spec.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib import metadata

from platform_cli import __version__
from platform_cli.config import load_config

DIST = "platform-cli"
ENV = "PLATFORM_CLI_SPEC"


@dataclass(frozen=True)
class InstallSpec:
    requirement: str  # e.g. "platform-cli==0.1.0" or "platform-cli @ git+https://...@<commit>"
    origin: str  # where it came from, for the scaffold's notes
    portable: bool  # installable on another machine (False for a local path)


def install_spec() -> InstallSpec:
    override = os.environ.get(ENV, "").strip()
    if override:
        return InstallSpec(override, f"${ENV}", True)
    configured = load_config().platform_cli_spec
    if configured:
        return InstallSpec(configured, "platform_cli_spec in the platform config", True)
    return _from_installation()


def _from_installation() -> InstallSpec:
    released = InstallSpec(f"{DIST}=={__version__}", "the installed version", True)
    try:
        text = metadata.distribution(DIST).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return released
    if not text:
        return released  # installed from an index: the version names the same build there
    try:
        direct = json.loads(text)
    except json.JSONDecodeError:
        return released
    url = str(direct.get("url", ""))
    vcs = direct.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") and url:
        ref = vcs.get("commit_id") or vcs.get("requested_revision")
        at = f"@{ref}" if ref else ""
        return InstallSpec(
            f"{DIST} @ {vcs['vcs']}+{url}{at}", "the git URL this copy was installed from", True
        )
    if "archive_info" in direct and url:
        portable = not url.startswith("file:")
        origin = "the archive this copy was installed from" + ("" if portable else " (a local file)")
        return InstallSpec(f"{DIST} @ {url}", origin, portable)
    # an editable or local-directory install: no address another machine could use
    return InstallSpec(
        released.requirement, "the installed version; this copy came from a local directory", False
    )


def note_for(spec: InstallSpec) -> str | None:
    """A scaffold note when the recorded spec only works on this machine, else None."""
    if spec.portable:
        return None
    return (
        f"the generated pipelines install platform-cli as {spec.requirement!r} ({spec.origin}), which CI "
        "may not find: set platform_cli_spec in ~/.config/platform-cli/config.yaml (or $PLATFORM_CLI_SPEC) "
        "to how your platform team ships it, or the CI variable PLATFORM_CLI_SPEC"
    )
