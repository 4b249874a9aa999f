"""Text output: grouped by level, blockers with remediation, waiver notes, summary line last, color opt-in."""

from __future__ import annotations

import re

import pytest

from platform_cli.errors import UserError
from platform_cli.readiness.model import Report
from platform_cli.readiness.output import FORMATS, render

ANSI = re.compile("\x1b\\[")


def test_ends_with_the_summary_line_and_the_level_line_before_it(report: Report) -> None:
    lines = render(report, "text").splitlines()
    assert lines[-1] == "2 passed, 4 failed, 1 waived"  # the rule whose waiver expired fails once
    assert lines[-2] == "Level reached: none, required: silver (NOT READY)"
    assert re.fullmatch(r"\d+ passed, \d+ failed, \d+ waived", lines[-1])


def test_no_ansi_codes_unless_color_is_asked_for(report: Report) -> None:
    plain = render(report, "text")
    assert not ANSI.search(plain)
    colored = render(report, "text", color=True)
    assert "\x1b[31m✗\x1b[0m model-pinned" in colored
    assert "\x1b[32m✓\x1b[0m owner-declared" in colored
    assert "\x1b[33m~\x1b[0m soak-window" in colored
    assert re.sub("\x1b\\[[0-9;]*m", "", colored) == plain  # the same text beneath the color
    for fmt in FORMATS:
        if fmt != "text":
            assert not ANSI.search(render(report, fmt, color=True)), fmt


def test_grouped_by_level_with_marks_messages_and_locations(report: Report) -> None:
    text = render(report, "text")
    bronze, silver, gold = (text.index(f"\n{level}\n") for level in ("bronze", "silver", "gold"))
    assert bronze < text.index("model-pinned") < silver < text.index("soak-window") < gold
    assert gold < text.index("catalog-registered")
    assert "✓ owner-declared" in text
    assert "? prompts-registered" in text
    assert "(ai-feature.yaml:12:14)" in text
    assert "alert_at is missing  (ai-feature.yaml:30) [warning]" in text
    # the second message of a finding is a continuation line aligned under the first message
    first = next(line for line in text.splitlines() if "gpt-4o" in line)
    cont = next(line for line in text.splitlines() if "provider fallback" in line)
    assert first.index("provider") == cont.index("provider")
    assert "waived: launch review scheduled (approved by cto@example.com, expires 2031-01-31)" in text


def test_lists_what_stands_between_the_repo_and_the_next_levels(report: Report) -> None:
    text = render(report, "text")
    to_bronze = text.split("Standing between this repo and bronze:")[1].split("Standing between")[0]
    assert "model-pinned" in to_bronze and "Fix model-pinned in ai-feature.yaml." in to_bronze
    assert "prompts-registered" in to_bronze  # unknown blocks like a failure
    assert "budget-declared" not in to_bronze  # warnings are reported, not blocking
    to_silver = text.split("Standing between this repo and silver:")[1].split("Waivers:")[0]
    assert "oncall-covers-providers" in to_silver and "soak-window" not in to_silver


def test_waiver_notes(report: Report) -> None:
    waivers = render(report, "text").split("Waivers:")[1]
    assert "expired oncall-covers-providers: waiver for oncall-covers-providers expired" in waivers
    assert "(waivers.yaml:8)" in waivers
    assert "unused budget-declared" in waivers


def test_gold_repo_has_nothing_standing_in_the_way(clean: Report) -> None:
    text = render(clean, "text")
    assert "Standing between" not in text and "Waivers:" not in text
    assert text.splitlines()[-2:] == [
        "Level reached: gold, required: bronze (ready)",
        "3 passed, 0 failed, 0 waived",
    ]


def test_unknown_format_is_a_user_error(report: Report) -> None:
    with pytest.raises(UserError, match="unknown readiness output format 'yaml'"):
        render(report, "yaml")
