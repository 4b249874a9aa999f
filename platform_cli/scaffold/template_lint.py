"""`platform templates lint`: copier questions that product teams can answer safely.

Every question needs `help`. A free-text answer (type str without `choices`) that the template writes into
a path, a package name, or YAML/Python/TOML/JSON text needs a `validator`: otherwise a quote, a colon or a
newline in an answer breaks (or injects into) the generated repo. And a question's default must pass its
own validator, or `--defaults` can never succeed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platform_cli.errors import Problem, UserError
from platform_cli.scaffold.engines import copier_file

STRUCTURED = {
    ".py": "Python",
    ".yaml": "YAML",
    ".yml": "YAML",
    ".toml": "TOML",
    ".json": "JSON",
    ".cfg": "INI",
}
_EXPRESSION = re.compile(r"{{(.*?)}}|{%(.*?)%}", re.S)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CASTS: dict[str, type] = {"int": int, "float": float, "str": str}


@dataclass(frozen=True)
class LintResult:
    template: str
    config: Path
    questions: int
    problems: list[Problem]


def _config(template_dir: Path) -> Path:
    config = copier_file(template_dir)
    if config is not None:
        return config
    raise UserError(f"{template_dir}: no copier.yml (templates lint checks copier questions)")


def _used_in(root: Path, names: set[str]) -> dict[str, set[str]]:
    """question -> kinds of places the template writes it: path, Python, YAML, TOML, JSON, INI."""
    used: dict[str, set[str]] = {name: set() for name in names}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        for match in _EXPRESSION.finditer(rel):
            for word in _WORD.findall(match.group(0)):
                if word in used:
                    used[word].add("a path")
        if not path.is_file():
            continue
        suffix = Path(rel.removesuffix(".jinja")).suffix
        kind = STRUCTURED.get(suffix)
        if kind is None:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for match in _EXPRESSION.finditer(text):
            for word in _WORD.findall(match.group(0)):
                if word in used:
                    used[word].add(f"{kind} text")
    return used


def _environment(settings: dict[str, Any], template_dir: Path) -> Any:
    from jinja2 import FileSystemLoader
    from jinja2.sandbox import SandboxedEnvironment

    envops = settings.get("_envops")
    if not isinstance(envops, dict):
        envops = {}
    # rooted at the template directory like copier's loader, so `{% from 'facts.jinja' import ... %}` works
    return SandboxedEnvironment(
        loader=FileSystemLoader(str(template_dir)),
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
        **envops,
    )


def lint_template(template_dir: Path) -> LintResult:
    from platform_cli.yamlfile import load_yaml

    config = _config(template_dir)
    loaded = load_yaml(config, display=config.name, what="copier questions")
    settings: dict[str, Any] = loaded.data if isinstance(loaded.data, dict) else {}
    questions = {
        k: v if isinstance(v, dict) else {"default": v} for k, v in settings.items() if not k.startswith("_")
    }
    subdir = settings.get("_subdirectory")
    root = template_dir / subdir if isinstance(subdir, str) else template_dir
    used = _used_in(root, set(questions))
    env = _environment(settings, template_dir)
    problems: list[Problem] = []
    context: dict[str, Any] = {}

    def problem(name: str, message: str, hint: str) -> None:
        line = (loaded.key_position([name]) or (None, None))[0]
        problems.append(Problem(config.name, line, None, name, message, hint))

    for name, spec in questions.items():
        if not str(spec.get("help") or "").strip():
            problem(name, "has no help", "add `help:` saying what the answer is for, with an example")
        free_text = spec.get("type", "str") in ("str", "yaml") and not spec.get("choices")
        places = sorted(used.get(name, set()))
        validator = spec.get("validator")
        if free_text and places and not validator:
            problem(
                name,
                f"free text written into {', '.join(places)} has no validator",
                "add a `validator:` rejecting what would break it (quotes, colons, newlines, slashes)",
            )
        default = _render_default(env, spec.get("default"), context, spec.get("type", "str"))
        context[name] = default
        if validator and default is not None and _applies(env, spec.get("when"), context):
            try:
                message = env.from_string(str(validator)).render({**context, name: default}).strip()
            except Exception as error:  # a broken validator is itself a finding
                message = f"the validator fails to render ({error})"
            if message:
                problem(
                    name, f"the default {default!r} fails its own validator: {message}", "fix the default"
                )
    return LintResult(template_dir.name, config, len(questions), problems)


def _render_default(env: Any, default: Any, context: dict[str, Any], kind: Any) -> Any:
    if not isinstance(default, str):
        return default
    try:
        text = env.from_string(default).render(context)
    except Exception:
        return None
    cast = _CASTS.get(str(kind))
    try:
        return cast(text) if cast else text
    except ValueError:
        return text


def _applies(env: Any, when: Any, context: dict[str, Any]) -> bool:
    if when is None:
        return True
    if isinstance(when, bool):
        return when
    try:
        return env.from_string(str(when)).render(context).strip().lower() not in ("false", "", "0", "none")
    except Exception:
        return True
