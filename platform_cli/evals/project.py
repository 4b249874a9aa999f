"""A feature repo's suites with the manifest's defaults applied (segments, eval owner, minimum cases)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from platform_cli.errors import PlatformError, Problem
from platform_cli.evals.datasets import Dataset, DatasetInfo
from platform_cli.evals.suites import DEFAULT_MIN_CASES, Suite, find_suite_path, load_suite, suite_paths
from platform_cli.manifest import Manifest
from platform_cli.yamlfile import relative_display


def min_cases(manifest: Manifest) -> int:
    value = manifest.evals.get("min_cases_per_segment", DEFAULT_MIN_CASES)
    return (
        value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else DEFAULT_MIN_CASES
    )


def _output_schema(root: Path) -> Any:
    def lookup(prompt: str) -> Mapping[str, Any] | None:
        from platform_cli.prompts.files import load_prompt

        try:
            return load_prompt(root / "prompts", prompt).output_schema
        except PlatformError:
            return None  # the prompt's own problems are the prompt linter's to report

    return lookup


def load_project_suite(manifest: Manifest, path: Path) -> Suite:
    root = manifest.root
    return load_suite(
        path, root, segments=manifest.segments, eval_owners=manifest.eval_owners,
        min_cases=min_cases(manifest), output_schema=_output_schema(root),
    )  # fmt: skip


def find_project_suite(manifest: Manifest, name: str | None) -> Suite:
    return load_project_suite(manifest, find_suite_path(manifest.root, name))


def project_suite_paths(manifest: Manifest) -> list[Path]:
    return suite_paths(manifest.root)


def check_datasets(suite: Suite, segments: tuple[str, ...] | list[str]) -> list[DatasetInfo]:
    """Check every dataset of the suite (ids unique across them; segments declared); located errors."""
    from platform_cli.errors import InvalidFile

    seen: dict[str, str] = {}
    infos = []
    for path in suite.datasets:
        shown = relative_display(path, suite.root)
        info = Dataset(path, shown).check(seen)
        undeclared = sorted(s for s in info.per_segment if s is not None and segments and s not in segments)
        if undeclared:
            hint = f"declared: {', '.join(segments)}"
            problems = [
                Problem(
                    shown, line, None, "$.segment", f"segment {seg!r} is not declared in spec.segments", hint
                )
                for seg, line in _first_lines(Dataset(path, shown), undeclared).items()
            ]
            raise InvalidFile(shown, problems, "eval dataset")
        infos.append(info)
    return infos


def _first_lines(dataset: Dataset, segments: list[str]) -> dict[str, int]:
    lines: dict[str, int] = {}
    for case in dataset.cases():
        if case.segment in segments and case.segment not in lines:
            lines[case.segment] = case.line
    return lines
