"""The README's list of shipped rules is the shipped pack: a rule added without documenting it fails here
(observed: the README listed 10 rules where `platform policies list` showed 12)."""

from __future__ import annotations

import re
from pathlib import Path

from platform_cli.readiness.rules import load_rules

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_names_every_shipped_rule_at_its_level() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("The shipped rules")
    paragraph = text[start : text.index("Rule ids are a public contract", start)]
    named: dict[str, str] = {}
    for chunk, level in re.findall(r"(.*?)\((bronze|silver|gold)\)", paragraph, flags=re.S):
        for rule_id in re.findall(r"`([a-z][a-z0-9-]+)`", chunk):
            if rule_id not in ("platform",):
                named[rule_id] = level
    shipped = {rule.id: rule.level for rule in load_rules(configured=False)}
    assert named == shipped
