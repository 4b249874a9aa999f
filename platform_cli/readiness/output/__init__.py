"""Render a readiness Report in one of the output formats: text, json, junit, sarif, markdown, github."""

from __future__ import annotations

from platform_cli.errors import UserError
from platform_cli.readiness.model import Report

FORMATS: tuple[str, ...] = ("text", "json", "junit", "sarif", "markdown", "github")

__all__ = ["FORMATS", "render"]


def render(report: Report, fmt: str, *, color: bool = False) -> str:
    """The report as `fmt`; `color` adds ANSI colors to `text` and is ignored by the other formats.

    Each renderer is imported when its format is asked for (junit's XML library is no cost of a text run).
    """
    if fmt == "text":
        from platform_cli.readiness.output.text import render_text

        return render_text(report, color=color)
    if fmt == "json":
        from platform_cli.readiness.output.json_report import render_json

        return render_json(report)
    if fmt == "junit":
        from platform_cli.readiness.output.junit import render_junit

        return render_junit(report)
    if fmt == "sarif":
        from platform_cli.readiness.output.sarif import render_sarif

        return render_sarif(report)
    if fmt == "markdown":
        from platform_cli.readiness.output.markdown import render_markdown

        return render_markdown(report)
    if fmt == "github":
        from platform_cli.readiness.output.github import render_github

        return render_github(report)
    raise UserError(f"unknown readiness output format {fmt!r}: use one of {', '.join(FORMATS)}")
