"""The `template` fact: which golden-path template (and release) the repo was generated from."""

from __future__ import annotations

from typing import Any

from platform_cli.errors import PlatformError
from platform_cli.readiness.facts.base import Fact, RepoContext

ANSWERS_FILE = ".copier-answers.yml"


class TemplateCollector:
    """`template`: {present, engine, source, version, answers: {question: answer}, file}.

    From copier's answers file (`_src_path`, `_commit`). `present` is False for a repo not generated from
    a copier template (nothing else is known then); an unreadable answers file makes the fact unknown.
    """

    name = "template"

    def collect(self, ctx: RepoContext) -> Fact:
        path = ctx.root / ANSWERS_FILE
        if not path.is_file():
            empty: dict[str, Any] = {
                "present": False,
                "engine": None,
                "source": None,
                "version": None,
                "answers": {},
            }
            return Fact(self.name, empty)
        from platform_cli.yamlfile import load_yaml

        try:
            data: Any = load_yaml(path, display=ANSWERS_FILE, what="copier answers").data
        except PlatformError as exc:
            return Fact.missing(self.name, f"cannot read {ANSWERS_FILE}: {exc}", file=ANSWERS_FILE)
        if not isinstance(data, dict):
            return Fact.missing(self.name, f"{ANSWERS_FILE} is not a mapping of answers", file=ANSWERS_FILE)
        value = {
            "present": True,
            "engine": "copier",
            "source": data.get("_src_path"),
            "version": data.get("_commit"),
            "answers": {k: v for k, v in data.items() if isinstance(k, str) and not k.startswith("_")},
        }
        return Fact(self.name, value, file=ANSWERS_FILE, line=1)
