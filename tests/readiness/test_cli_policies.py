"""`platform policies list|test` on broken packs: facts nobody collects, plugin facts, bad regexes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from platform_cli.cli.main import run
from platform_cli.readiness.facts import registry

PLUGIN_MODULE = """
from platform_cli.readiness.facts.base import Fact


class CostCenter:
    name = "cost_center"

    def collect(self, ctx):
        return Fact(self.name, {"code": "CC-1"})
"""


@pytest.fixture
def plugin_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A real installed distribution (a .dist-info on sys.path) registering a `cost_center` collector."""
    site = tmp_path / "site"
    dist = site / "acme_facts-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-facts\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        f"[{registry.ENTRY_POINT_GROUP}]\ncost_center = acme_cost_center_facts:CostCenter\n"
    )
    (site / "acme_cost_center_facts.py").write_text(PLUGIN_MODULE)
    monkeypatch.syspath_prepend(str(site))
    registry._installed.cache_clear()
    yield
    registry._installed.cache_clear()


def rule_doc(rule_id: str, fact: str = "manifest", **changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": rule_id,
        "title": f"{rule_id} title",
        "level": "bronze",
        "severity": "error",
        "fact": fact,
        "condition": {"type": "object"},
        "pass": "ok",
        "fail": "not ok",
        "remediation": "fix it",
        "rationale": "it breaks",
        "examples": {"pass": [{}], "fail": [3]},
    }
    doc.update(changes)
    return doc


def pack(tmp_path: Path, *docs: dict[str, Any]) -> Path:
    directory = tmp_path / "pack"
    directory.mkdir(exist_ok=True)
    (directory / "rules.yaml").write_text(yaml.safe_dump({"rules": list(docs)}, sort_keys=False))
    return directory


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.mark.parametrize(
    "command", [["policies", "test", "{pack}"], ["policies", "list", "--policies", "{pack}"]]
)
def test_fact_no_collector_provides_is_a_located_error(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = pack(tmp_path, rule_doc("good-rule"), rule_doc("typo-rule", fact="ownrship"))
    assert run([a.format(pack=extra) for a in command]) == 2
    captured = capsys.readouterr()
    where = f"rules.yaml:{line_of(extra / 'rules.yaml', 'fact: ownrship')}:"
    assert where in captured.err
    assert "$.rules[1].fact" in captured.err
    assert "no installed fact collector provides 'ownrship'" in captured.err
    assert "did you mean 'ownership'?" in captured.err
    assert captured.out == ""  # nothing was tested or listed


def test_plugin_collectors_count_as_known_facts(
    plugin_installed: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = pack(tmp_path, rule_doc("cost-center-set", fact="cost_center"))
    assert run(["policies", "test", str(extra), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["passed"] == 1
    assert run(["policies", "list", "--policies", str(extra)]) == 0
    assert "[cost_center] cost-center-set title" in capsys.readouterr().out
    typo = pack(tmp_path, rule_doc("cost-center-set", fact="cost_centre"))
    assert run(["policies", "test", str(typo)]) == 2
    assert "did you mean 'cost_center'?" in capsys.readouterr().err


def test_bad_regex_exits_2_at_the_pattern_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = rule_doc("regex-rule", condition={"properties": {"model": {"pattern": "(["}}})
    extra = pack(tmp_path, bad)
    assert run(["policies", "test", str(extra)]) == 2
    err = capsys.readouterr().err
    assert f"rules.yaml:{line_of(extra / 'rules.yaml', 'pattern: ([')}:" in err
    assert "$.rules[0].condition.properties.model.pattern" in err
    assert "is not a valid regular expression" in err
