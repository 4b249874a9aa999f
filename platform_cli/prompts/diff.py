"""`platform prompts diff`: a unified diff of two versions, section by section (template, parameters, ...)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import yaml

from platform_cli.prompts.files import PromptFile

SECTIONS = ("template", "variables", "parameters", "written_for", "output_schema")


def section_text(prompt: PromptFile, section: str) -> str:
    """One section as stable text: messages as `[role]` blocks, the rest as YAML with sorted keys."""
    if section == "template":
        if prompt.text:
            return prompt.messages[0][1].rstrip("\n") + "\n"
        return "".join(f"[{role}]\n{text.rstrip()}\n" for role, text in prompt.messages)
    value: Any = prompt.content()[section]
    if not value:
        return ""
    return yaml.safe_dump(value, sort_keys=True, default_flow_style=False, allow_unicode=True, width=100)


@dataclass(frozen=True)
class PromptDiff:
    a: str  # how each side is named, e.g. summarize@v1, summarize@production (v3), summarize@file
    b: str
    sections: dict[str, list[str]]  # changed sections only: unified diff lines

    @property
    def changed(self) -> list[str]:
        return list(self.sections)

    def text(self) -> str:
        if not self.sections:
            return f"{self.a} and {self.b} have the same content\n"
        out = []
        for section, lines in self.sections.items():
            out.append(f"## {section}\n")
            out.extend(line if line.endswith("\n") else line + "\n" for line in lines)
        return "".join(out)

    def as_dict(self) -> dict[str, object]:
        return {
            "a": self.a,
            "b": self.b,
            "changed": self.changed,
            "diff": self.text() if self.sections else "",
        }


def diff_prompts(a: PromptFile, b: PromptFile, a_name: str, b_name: str) -> PromptDiff:
    sections: dict[str, list[str]] = {}
    for section in SECTIONS:
        before, after = section_text(a, section), section_text(b, section)
        if before == after:
            continue
        lines = difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"{a_name} {section}",
            tofile=f"{b_name} {section}",
        )
        sections[section] = list(lines)
    return PromptDiff(a_name, b_name, sections)
