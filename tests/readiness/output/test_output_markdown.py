"""Markdown output for a PR comment: badge header, failing-rules table, waivers, passed rules collapsed."""

from __future__ import annotations

import re

from platform_cli.readiness.model import Report
from platform_cli.readiness.output import render
from platform_cli.readiness.output.markdown import cell

UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def _table(md: str, heading: str) -> list[str]:
    """The contiguous table right under `heading`."""
    lines = md.split(heading, 1)[1].strip("\n").splitlines()
    end = next((i for i, line in enumerate(lines) if not line.startswith("|")), len(lines))
    return lines[:end]


def test_header_and_summary(report: Report, clean: Report) -> None:
    md = render(report, "markdown")
    assert md.startswith("## ❌ Readiness: ⚪ none reached, 🥈 silver required\n")
    assert "**2 passed, 4 failed, 1 waived**" in md
    assert "To reach **bronze**, fix: `model-pinned`, `prompts-registered`" in md
    assert render(clean, "markdown").startswith("## ✅ Readiness: 🥇 gold reached, 🥉 bronze required\n")


def test_failing_table_keeps_its_columns_when_messages_contain_pipes_and_newlines(report: Report) -> None:
    md = render(report, "markdown")
    rows = _table(md, "### Failing rules")
    assert len(rows) == 2 + 5  # header, rule; model-pinned twice, unknown, warning, silver failure
    for row in rows:
        assert len(UNESCAPED_PIPE.findall(row)) == 6, row  # 5 columns: 6 unescaped pipes
    assert "gpt-4o \\| pin a snapshot" in md
    assert "100% floating<br>second line &lt;b&gt;bold&lt;/b&gt;" in md
    assert "| bronze (warning) |" in md
    assert "| ai-feature.yaml:12:14 |" in md


def test_waivers_and_collapsed_passes(report: Report) -> None:
    md = render(report, "markdown")
    waiver = "launch review scheduled (approved by cto@example.com, expires 2031-01-31)"
    assert f"| `soak-window` | silver | {waiver} |" in md
    assert "❌ expired waiver for `oncall-covers-providers`" in md
    assert "ℹ️ unused waiver for `budget-declared`" in md
    details = md.split("<details><summary>Passed rules (2)</summary>", 1)[1].split("</details>")[0]
    assert "`owner-declared`" in details and "`catalog-registered`" in details
    assert "model-pinned" not in details


def test_cell_escaping() -> None:
    assert cell("a | b") == "a \\| b"
    assert cell("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert cell("ping @platform-team now") == "ping @\u200bplatform-team now"  # no notification spam
    assert cell("jane.doe@example.com") == "jane.doe@example.com"
    assert cell("*not bold* [link](x)") == "\\*not bold\\* \\[link\\](x)"
    assert cell("line1\nline2") == "line1<br>line2"
