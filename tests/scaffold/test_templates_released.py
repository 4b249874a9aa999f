"""Every shipped template is its latest release, or a pending change note says what the next one brings.

This is the test that fails when templates/ content changes without a release. The fix is one command,
`platform templates change NAME --patch|--minor|--major -m TEXT`, committed with the template edit; the
platform team turns pending notes into a release with `platform templates release NAME`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from platform_cli.resources import templates_dir
from platform_cli.scaffold.changelog import load_change_notes, read_changelog
from platform_cli.scaffold.release import declared_version
from platform_cli.scaffold.releases import archive_releases, read_archive, unreleased

TEMPLATES = [
    d
    for d in sorted(templates_dir().iterdir())
    if (d / "copier.yml").is_file() or (d / "copier.yaml").is_file() or (d / "cookiecutter.json").is_file()
]
IDS = [d.name for d in TEMPLATES]


def test_there_are_shipped_templates() -> None:
    assert "ai-feature" in IDS


@pytest.mark.parametrize("template", TEMPLATES, ids=IDS)
def test_content_changes_come_with_a_release_or_a_pending_change_note(template: Path) -> None:
    state = unreleased(template)
    assert state.latest is not None, (
        f"templates/{template.name} has no release: run `platform templates release`"
    )
    notes = load_change_notes(template)  # also fails on a malformed note, naming it
    shown = ", ".join(state.changed[:8]) + (" ..." if len(state.changed) > 8 else "")
    assert not state.changed or notes, (
        f"templates/{template.name} differs from its release {state.latest.version} ({shown}) and no change "
        f"note is pending. Run `platform templates change {template.name} --patch|--minor|--major -m "
        "'what changes for product teams'` and commit the note with your change."
    )


@pytest.mark.parametrize("template", TEMPLATES, ids=IDS)
def test_template_yaml_declares_the_latest_release(template: Path) -> None:
    latest = archive_releases(template)[-1]
    assert declared_version(template) == str(latest.version), (
        f"templates/{template.name}/template.yaml must say version: {latest.version} (only "
        "`platform templates release` bumps it)"
    )


@pytest.mark.parametrize("template", TEMPLATES, ids=IDS)
def test_every_release_has_a_changelog_section_and_an_archive_that_reads(template: Path) -> None:
    archived = [str(r.version) for r in archive_releases(template)]
    sections = read_changelog(template)
    assert sorted(s.version for s in sections) == sorted(archived)
    assert all(s.entries for s in sections)
    for release in archive_releases(template):
        assert release.archive is not None
        files = read_archive(release.archive)
        assert any(name in files for name in ("copier.yml", "copier.yaml", "cookiecutter.json"))
