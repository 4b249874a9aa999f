"""Load `prompts/<name>.yaml` and render it in a sandboxed Jinja environment with strict variables."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from platform_cli.errors import UserError

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


@dataclass(frozen=True)
class PromptFile:
    name: str
    path: Path
    messages: tuple[tuple[str, str], ...]  # (role, template)
    variables: tuple[str, ...]
    parameters: dict[str, Any]

    @property
    def content_hash(self) -> str:
        payload = json.dumps(
            {"messages": self.messages, "variables": self.variables, "parameters": self.parameters},
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


def load_prompt(prompts_dir: Path, name: str) -> PromptFile:
    path = prompts_dir / f"{name}.yaml"
    if not path.is_file():
        raise UserError(
            f"prompt {name!r} not found: expected {path} (create it, or fix the name in the code)"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise UserError(f"{path}: not valid YAML ({error})") from error
    if "messages" in data:
        messages = tuple((str(m["role"]), str(m["content"])) for m in data["messages"])
    elif "template" in data:
        messages = (("user", str(data["template"])),)
    else:
        raise UserError(f"{path}: a prompt needs `messages` (chat) or `template` (text)")
    return PromptFile(
        name=name,
        path=path,
        messages=messages,
        variables=tuple((data.get("variables") or {}).keys()),
        parameters=dict(data.get("parameters") or {}),
    )


def render_messages(prompt: PromptFile, variables: Mapping[str, Any]) -> list[dict[str, str]]:
    """Render every message; an undeclared or missing variable is an error naming prompt and variable."""
    undeclared = sorted(set(variables) - set(prompt.variables))
    if undeclared:
        raise UserError(
            f"prompt {prompt.name!r}: variable(s) {', '.join(undeclared)} are not declared in {prompt.path} "
            f"(declared: {', '.join(prompt.variables) or 'none'})"
        )
    rendered = []
    for role, template in prompt.messages:
        try:
            content = _ENV.from_string(template).render(**variables)
        except UndefinedError as error:
            raise UserError(f"prompt {prompt.name!r}: missing variable: {error.message}") from error
        except TemplateError as error:
            raise UserError(f"prompt {prompt.name!r} ({prompt.path}): template error: {error}") from error
        rendered.append({"role": role, "content": content})
    return rendered
