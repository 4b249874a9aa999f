"""GitHub Actions annotations: severities, locations, and workflow-command escaping."""

from __future__ import annotations

from collections.abc import Callable

from platform_cli.readiness.model import Finding, Location, Report, Rule
from platform_cli.readiness.output import render
from platform_cli.readiness.output.github import escape_data, escape_property


def test_escaping_of_newline_percent_and_comma_in_a_file_name(rule_factory: Callable[..., Rule]) -> None:
    finding = Finding(
        rule_factory("model-pinned", remediation="Pin it."),
        "fail",
        ("100% floating\r\nnext line",),
        (Location("config/a,b: c.yaml", 7),),
    )
    out = render(Report("r", "f", "experimental", "bronze", [finding], [], None), "github")
    first = out.splitlines()[0]
    assert first == (
        "::error file=config/a%2Cb%3A c.yaml,line=7,title=model-pinned::"
        "100%25 floating%0D%0Anext line%0ARemediation: Pin it."
    )
    assert len(out.splitlines()) == 2  # one annotation, one summary: no raw newline leaked into the stream


def test_escape_functions() -> None:
    assert escape_data("a%b\nc\rd:e,f") == "a%25b%0Ac%0Dd:e,f"
    assert escape_property("a%b\nc:d,e") == "a%25b%0Ac%3Ad%2Ce"


def test_kinds_per_status_and_severity(report: Report) -> None:
    lines = render(report, "github").splitlines()
    kinds = [(line.split(" ", 1)[0], line.split("title=", 1)[1].split("::", 1)[0]) for line in lines[:-1]]
    assert kinds == [
        ("::error", "model-pinned"),
        ("::error", "model-pinned"),
        ("::error", "prompts-registered"),
        ("::warning", "budget-declared"),
        ("::notice", "soak-window"),
        ("::error", "oncall-covers-providers"),
        ("::error", "waiver-expired%3A oncall-covers-providers"),
        ("::notice", "waiver-unused%3A budget-declared"),
    ]
    assert "owner-declared" not in "\n".join(lines)  # passes are silent
    assert lines[0].startswith("::error file=ai-feature.yaml,line=12,col=14,title=model-pinned::")
    assert lines[2] == (
        "::error title=prompts-registered::cannot check: src/ is not readable%0ARemediation: "
        "Fix prompts-registered in ai-feature.yaml."
    )
    assert (
        lines[-1]
        == "platform readiness reached none (required silver): FAILED (2 passed, 4 failed, 1 waived)"
    )
    assert not lines[-1].startswith("::")


def test_failures_above_the_required_level_are_warnings_not_errors(rule_factory: Callable[..., Rule]) -> None:
    silver = Finding(rule_factory("fallback-provider", level="silver"), "fail", ("one vendor",), ())
    bronze = Finding(rule_factory("model-pinned"), "fail", ("floating alias",), ())
    experimental = Report("r", "f", "experimental", "bronze", [bronze, silver], [], None)
    kinds = [line.split(" ", 1)[0] for line in render(experimental, "github").splitlines()[:-1]]
    assert kinds == ["::error", "::warning"]
    production = Report("r", "f", "production", "silver", [bronze, silver], [], None)
    kinds = [line.split(" ", 1)[0] for line in render(production, "github").splitlines()[:-1]]
    assert kinds == ["::error", "::error"]
