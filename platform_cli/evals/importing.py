"""Writing a converted promptfoo tests file into the repo: suite + dataset, checked, atomically."""

from __future__ import annotations

from pathlib import Path

from platform_cli.errors import UserError
from platform_cli.evals.promptfoo import convert
from platform_cli.evals.suites import SUITES_DIR
from platform_cli.manifest import Manifest
from platform_cli.yamlfile import relative_display


def import_promptfoo(
    manifest: Manifest, source: Path, *, suite: str, prompt: str, force: bool, dry_run: bool
) -> list[tuple[str, int]]:
    """Convert `source`, refuse to overwrite (unless `force`), write both files, then load the suite back
    (every problem located) so what was written runs. Returns (repo-relative path, rows) written."""
    import re

    from platform_cli.evals.project import check_datasets, load_project_suite
    from platform_cli.fsutil import atomic_write_text

    if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", suite):
        raise UserError(f"--suite {suite!r}: use lowercase letters, digits and single dashes (e.g. imported)")
    root = manifest.root
    converted = convert(source, suite=suite, prompt=prompt, shown=relative_display(source, Path.cwd()))
    suite_path = root / SUITES_DIR / f"{suite}.yaml"
    data_path = root / "evals" / "datasets" / f"{suite}.jsonl"
    existing = [p for p in (suite_path, data_path) if p.exists()]
    if existing and not force:
        names = ", ".join(relative_display(p, root) for p in existing)
        raise UserError(f"{names} already exist: choose another --suite, or --force to replace them")
    written = [
        (relative_display(suite_path, root), 0),
        (relative_display(data_path, root), len(converted.rows)),
    ]
    if dry_run:
        return written
    data_path.parent.mkdir(parents=True, exist_ok=True)
    suite_path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(data_path, converted.dataset_jsonl())
    atomic_write_text(suite_path, converted.suite_yaml())
    loaded = load_project_suite(manifest, suite_path)
    check_datasets(loaded, manifest.segments)
    return written
