"""Prompt files (`prompts/<name>.yaml`): load and validate them, hash their content, render them safely.

Rendering uses a sandboxed Jinja environment with StrictUndefined: a missing, undeclared or mistyped
variable is an error naming the prompt, its version (when it came from the registry) and the variable.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from platform_cli import schemacache
from platform_cli.errors import InvalidFile, Problem
from platform_cli.prompts.errors import RenderError, UnknownPrompt
from platform_cli.yamlfile import LoadedYaml, relative_display
from platform_cli.yamlschema import load_validated

SCHEMA_NAME = "prompt"
WHAT = "prompt file"
SUFFIXES = (".yaml", ".yml")

if TYPE_CHECKING:
    from jinja2 import Template
    from jinja2.sandbox import SandboxedEnvironment

# The checks `_semantic_problems` makes beyond the schema (Jinja syntax, the output schema's metaschema),
# remembered per file content like schema validation (platform_cli.schemacache); bump to forget them.
_SEMANTIC_CHECKS = {"check": "prompt file semantics", "revision": 1}


@cache
def jinja_env() -> SandboxedEnvironment:
    """The sandboxed Jinja environment prompts render in (imported on first use: jinja2 is not cheap)."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list, tuple),
    "object": (Mapping,),
}


@dataclass(frozen=True)
class Variable:
    """A declared template variable. `spec` is the declaration as written (hashed with the prompt)."""

    name: str
    type: str
    required: bool = True
    default: Any = None
    has_default: bool = False
    enum: tuple[Any, ...] | None = None
    description: str = ""

    @classmethod
    def from_spec(cls, name: str, spec: Mapping[str, Any]) -> Variable:
        return cls(
            name=name,
            type=str(spec["type"]),
            required=bool(spec.get("required", True)),
            default=spec.get("default"),
            has_default="default" in spec,
            enum=tuple(spec["enum"]) if "enum" in spec else None,
            description=str(spec.get("description", "")),
        )

    def spec(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        if not self.required:
            out["required"] = False
        if self.has_default:
            out["default"] = self.default
        if self.enum is not None:
            out["enum"] = list(self.enum)
        if self.description:
            out["description"] = self.description
        return out

    def problem_with(self, value: Any) -> str | None:
        """Why `value` does not fit this declaration, or None."""
        wanted = _PY_TYPES.get(self.type, (object,))
        if isinstance(value, bool) and self.type in ("integer", "number"):
            return f"must be {self.type}, got true/false"
        if not isinstance(value, wanted):
            return f"must be {self.type}, got {type(value).__name__}"
        if self.enum is not None and value not in self.enum:
            return f"must be one of {', '.join(map(repr, self.enum))}, got {value!r}"
        return None


@dataclass(frozen=True)
class PromptFile:
    """One prompt: from a file in the repo (`path`) or from a published version (`version`)."""

    name: str
    path: Path | None
    messages: tuple[tuple[str, str], ...]  # (role, Jinja template)
    variables: dict[str, Variable]
    parameters: dict[str, Any]
    written_for: dict[str, str] = field(default_factory=dict)
    output_schema: dict[str, Any] | None = None
    text: bool = False  # written as `template:` (one user message) rather than `messages:`
    description: str = ""
    owner: str | None = None
    version: int | None = None

    # --- identity -----------------------------------------------------------------------------------------
    def content(self) -> dict[str, Any]:
        """What a published version is: everything the content hash covers, as plain JSON data."""
        body: dict[str, Any] = (
            {"template": self.messages[0][1]}
            if self.text
            else {"messages": [{"role": role, "content": text} for role, text in self.messages]}
        )
        return {
            **body,
            "variables": {name: var.spec() for name, var in self.variables.items()},
            "parameters": self.parameters,
            "written_for": self.written_for,
            "output_schema": self.output_schema,
        }

    @cached_property
    def canonical(self) -> str:
        """The content as canonical JSON (sorted keys, no spaces): what is hashed and stored."""
        return canonical_json(self.content())

    @cached_property
    def content_hash(self) -> str:
        """sha256 over template, variables, parameters, written_for (model) and output schema."""
        return hashlib.sha256(self.canonical.encode("utf-8")).hexdigest()

    @classmethod
    def from_content(
        cls, name: str, content: Mapping[str, Any], *, version: int | None, path: Path | None = None
    ) -> PromptFile:
        """Rebuild a prompt from a published snapshot (`content()` of the version that was published)."""
        return _build(name, content, path=path, version=version)

    @property
    def where(self) -> str:
        """How messages name this prompt: `prompt 'summarize' v3` or `prompt 'summarize' (prompts/...)`."""
        if self.version is not None:
            return f"prompt '{self.name}' v{self.version}"
        return f"prompt '{self.name}'" + (f" ({self.path})" if self.path else "")

    # --- rendering ----------------------------------------------------------------------------------------
    @cached_property
    def _compiled(self) -> tuple[tuple[str, Template], ...]:
        env = jinja_env()
        compiled = []
        for role, text in self.messages:
            template = env.from_string(text)
            # A plain dict of the globals instead of jinja's ChainMap over them (the environment's do not
            # change once it is built): every render copies them into its context, and copying the ChainMap
            # cost most of a render (two per call, on the runtime's hot path).
            template.globals = dict(template.globals)
            compiled.append((role, template))
        return tuple(compiled)

    def render(self, variables: Mapping[str, Any]) -> list[dict[str, str]]:
        """The chat messages for `variables`; RenderError names the prompt, version and variable."""
        from jinja2 import TemplateError, UndefinedError

        values = self._checked(variables)
        rendered = []
        for role, template in self._compiled:
            try:
                content = template.render(values)
            except UndefinedError as error:
                raise RenderError(
                    f"{self.where}: the template uses a variable that is not declared ({error.message}); "
                    "declare it under `variables:` and run `platform prompts lint`"
                ) from None
            except TemplateError as error:
                raise RenderError(f"{self.where}: template error: {error}") from None
            rendered.append({"role": role, "content": content})
        return rendered

    def _checked(self, variables: Mapping[str, Any]) -> dict[str, Any]:
        declared = ", ".join(self.variables) or "none"
        undeclared = sorted(set(variables) - set(self.variables))
        if undeclared:
            raise RenderError(
                f"{self.where}: variable(s) {', '.join(map(repr, undeclared))} are not declared "
                f"(declared: {declared}); remove them or declare them in prompts/{self.name}.yaml"
            )
        values: dict[str, Any] = {}
        for name, var in self.variables.items():
            if name in variables:
                problem = var.problem_with(variables[name])
                if problem:
                    raise RenderError(f"{self.where}: variable '{name}' {problem}")
                values[name] = variables[name]
            elif var.has_default:
                values[name] = var.default
            elif var.required:
                raise RenderError(
                    f"{self.where}: missing variable '{name}' (declared: {declared}); pass a value for it"
                )
        return values


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# --- loading ---------------------------------------------------------------------------------------------


def prompt_path(prompts_dir: Path, name: str) -> Path | None:
    """The file of prompt `name` (.yaml or .yml), or None."""
    for suffix in SUFFIXES:
        candidate = prompts_dir / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def prompt_names(prompts_dir: Path) -> list[str]:
    """Names of every prompt file below `prompts_dir` (sub-directories give names like `billing/triage`)."""
    if not prompts_dir.is_dir():
        return []
    names = {
        path.relative_to(prompts_dir).with_suffix("").as_posix()
        for path in prompts_dir.rglob("*")
        if path.suffix in SUFFIXES and path.is_file()
    }
    return sorted(names)


def load_prompt(prompts_dir: Path, name: str) -> PromptFile:
    """Load and validate prompts/<name>.yaml; UnknownPrompt if absent, InvalidFile (file:line) if bad."""
    return read_prompt(prompts_dir, name)[0]


def read_prompt(prompts_dir: Path, name: str) -> tuple[PromptFile, LoadedYaml]:
    """Like load_prompt, also returning the loaded YAML (line positions, for lint)."""
    path = prompt_path(prompts_dir, name)
    if path is None:
        known = prompt_names(prompts_dir)
        raise UnknownPrompt(
            f"prompt '{name}' not found: expected {prompts_dir / (name + '.yaml')} "
            f"(prompts here: {', '.join(known) or 'none'}; create the file, or fix the name in the code)"
        )
    # Named relative to the repository root whatever the current directory: prompts/summarize.yaml.
    return read_prompt_file(path, name, display=relative_display(path, prompts_dir.parent))


def read_prompt_file(path: Path, name: str, *, display: str | None = None) -> tuple[PromptFile, LoadedYaml]:
    """Load and check one prompt file. Inside a pass (a readiness check: the eval suites look up their
    prompt's output schema, the source scan lists the prompts that do not load) a file loaded clean under
    the same name and display is loaded once."""
    from platform_cli.onepass import once

    return once(
        "prompt-files", (os.fspath(path), name, display), lambda: _read_prompt_file(path, name, display)
    )


def _read_prompt_file(path: Path, name: str, display: str | None) -> tuple[PromptFile, LoadedYaml]:
    loaded = load_validated(path, SCHEMA_NAME, what=WHAT, display=display)
    checked = {"name": name, "data": loaded.data}
    # the data comes from the text just loaded: a text seen clean under this name in this process is clean
    seen = None if loaded.yaml_text is None else f"{name}\0{loaded.yaml_text}"
    if not schemacache.known_valid_text(_SEMANTIC_CHECKS, seen):
        if not schemacache.known_valid(_SEMANTIC_CHECKS, checked):
            problems = _semantic_problems(loaded, name)
            if problems:
                raise InvalidFile(loaded.display, problems, WHAT)
            schemacache.remember_valid(_SEMANTIC_CHECKS, checked)
        schemacache.remember_valid_text(_SEMANTIC_CHECKS, seen)
    data: Mapping[str, Any] = loaded.data
    prompt = _build(name, data, path=path, version=None)
    return replace(prompt, description=str(data.get("description", "")), owner=data.get("owner")), loaded


def _build(name: str, data: Mapping[str, Any], *, path: Path | None, version: int | None) -> PromptFile:
    if "template" in data:
        messages: tuple[tuple[str, str], ...] = (("user", str(data["template"])),)
    else:
        messages = tuple((str(m["role"]), str(m["content"])) for m in data.get("messages") or ())
    return PromptFile(
        name=name,
        path=path,
        messages=messages,
        variables={k: Variable.from_spec(k, v) for k, v in (data.get("variables") or {}).items()},
        parameters=dict(data.get("parameters") or {}),
        written_for=dict(data.get("written_for") or {}),
        output_schema=dict(data["output_schema"]) if data.get("output_schema") is not None else None,
        text="template" in data,
        version=version,
    )


def _semantic_problems(loaded: LoadedYaml, name: str) -> list[Problem]:
    """What the schema cannot say: name matches the file, one template form, Jinja syntax, output schema."""
    from jinja2 import TemplateSyntaxError
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    data: Mapping[str, Any] = loaded.data
    problems: list[Problem] = []
    if "name" in data and data["name"] != name:
        problems.append(
            loaded.problem(
                ("name",),
                f"name '{data['name']}' does not match the file name '{name}'",
                f"rename the file to prompts/{data['name']}.yaml or write `name: {name}`",
            )
        )
    has_messages, has_template = "messages" in data, "template" in data
    if has_messages == has_template:
        problems.append(
            loaded.problem(
                ("template",) if has_template else (),
                "give either `messages` or `template`" + (", not both" if has_template else ""),
                "`messages:` is a chat (a list of {role, content}); `template:` is one text",
            )
        )
    sources: list[tuple[tuple[str | int, ...], str]] = []
    if has_template:
        sources.append((("template",), str(data["template"])))
    for index, message in enumerate(data.get("messages") or ()):
        sources.append((("messages", index, "content"), str(message["content"])))
    for where, source in sources:
        try:
            jinja_env().parse(source)
        except TemplateSyntaxError as error:
            problems.append(
                loaded.problem(
                    where,
                    f"template syntax error on line {error.lineno} of the template: {error.message}",
                    "fix the Jinja syntax ({{ variable }}, {% if %}...{% endif %})",
                )
            )
    for var_name, spec in (data.get("variables") or {}).items():
        if "default" in spec:
            problem = Variable.from_spec(var_name, spec).problem_with(spec["default"])
            if problem:
                problems.append(
                    loaded.problem(
                        ("variables", var_name, "default"), f"default {problem}", "fix the default"
                    )
                )
    if isinstance(data.get("output_schema"), Mapping):
        try:
            Draft202012Validator.check_schema(data["output_schema"])
        except SchemaError as error:
            path = ("output_schema", *error.absolute_path)
            problems.append(
                loaded.problem(path, f"not a valid JSON Schema: {error.message}", "fix the output schema")
            )
    return problems


def render_messages(prompt: PromptFile, variables: Mapping[str, Any]) -> list[dict[str, str]]:
    """Render every message of `prompt` (kept for callers written before PromptFile.render)."""
    return prompt.render(variables)
