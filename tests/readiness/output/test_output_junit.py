"""JUnit output, read back with junitparser (a real JUnit consumer) the way GitLab reads it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

from junitparser import Attr, Failure, JUnitXml, Skipped, TestCase, TestSuite

from platform_cli.readiness.model import Finding, Location, Report, Rule
from platform_cli.readiness.output import render


class FileCase(TestCase):  # type: ignore[misc]
    """GitLab reads the `file` attribute; junitparser exposes extra attributes through a subclass."""

    file = Attr()


def _suite(report: Report) -> TestSuite:
    xml = JUnitXml.fromstring(render(report, "junit"))
    (suite,) = list(xml)
    return suite


def test_counts_classnames_and_results(report: Report) -> None:
    suite = _suite(report)
    declared = (suite.tests, suite.failures, suite.errors, suite.skipped)
    # 7 rules; fail x3 + unknown (the expired waiver is part of its failing rule, not a second failure)
    assert declared == (7, 4, 0, 1)
    suite.update_statistics()  # recount from the testcases themselves
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == declared

    cases = {case.name: FileCase.fromelem(case) for case in suite}
    assert cases["model-pinned"].classname == "readiness.bronze"
    assert cases["soak-window"].classname == "readiness.silver"
    assert cases["catalog-registered"].classname == "readiness.gold"
    assert cases["owner-declared"].is_passed
    assert cases["model-pinned"].file == "ai-feature.yaml"
    assert cases["prompts-registered"].file is None  # no location: no invented file

    (failure,) = cases["model-pinned"].result
    assert isinstance(failure, Failure)
    assert failure.type == "error"
    assert failure.message == "provider primary uses floating alias gpt-4o | pin a snapshot"
    assert "second line <b>bold</b> (config/a,b: c.yaml)" in failure.text  # escaped in XML, intact when read
    assert "Remediation:\nFix model-pinned in ai-feature.yaml." in failure.text

    (warning,) = cases["budget-declared"].result
    assert warning.type == "warning"
    (unknown,) = cases["prompts-registered"].result
    assert isinstance(unknown, Failure)
    assert unknown.message.startswith("cannot check")
    (skipped,) = cases["soak-window"].result
    assert isinstance(skipped, Skipped)
    assert "launch review scheduled" in skipped.message

    assert "waiver-expired:oncall-covers-providers" not in cases  # its rule fails: reported there, once
    (oncall,) = cases["oncall-covers-providers"].result
    assert isinstance(oncall, Failure)
    assert "waiver for oncall-covers-providers expired on 2020-01-01" in (oncall.text or "")
    # junitparser has no suite-level system-out; read it with ElementTree
    suite_out = ET.fromstring(render(report, "junit").split("\n", 1)[1]).findtext("testsuite/system-out")
    assert "unused waiver budget-declared" in (suite_out or "")


def test_clean_report_has_no_failures(clean: Report) -> None:
    suite = _suite(clean)
    assert (suite.tests, suite.failures, suite.skipped) == (3, 0, 0)
    assert all(case.is_passed for case in suite)


def test_control_characters_and_markup_in_messages_stay_well_formed(
    rule_factory: Callable[..., Rule],
) -> None:
    finding = Finding(
        rule_factory("x"), "fail", ('bad "value" \x1b[31m & </failure>\x00',), (Location("a&b.py", 3),)
    )
    report = Report("r", "f", "experimental", "bronze", [finding], [], None)
    xml = render(report, "junit")
    ET.fromstring(xml.split("\n", 1)[1])  # parses: XML-illegal characters were replaced, markup escaped
    (case,) = list(_suite(report))
    case = FileCase.fromelem(case)
    assert case.file == "a&b.py"
    assert case.result[0].message == 'bad "value" \ufffd[31m & </failure>\ufffd'
