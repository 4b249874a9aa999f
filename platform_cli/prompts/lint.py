"""`platform prompts lint`: schema problems, undeclared or unused variables, unknown providers (file:line)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from jinja2 import meta

from platform_cli.errors import InvalidFile, Problem, UserError
from platform_cli.prompts.files import PromptFile, jinja_env, prompt_names, read_prompt
from platform_cli.yamlfile import LoadedYaml


def lint_prompt(prompts_dir: Path, name: str, *, providers: Sequence[str] | None = None) -> list[Problem]:
    """Every problem in prompts/<name>.yaml (an unreadable or missing file raises UserError)."""
    try:
        prompt, loaded = read_prompt(prompts_dir, name)
    except InvalidFile as error:
        return list(error.problems)
    found = variable_problems(prompt, loaded) + provider_problems(prompt, loaded, providers)
    return sorted(found, key=lambda p: (p.line or 0, p.column or 0, p.path))


def lint_prompts(
    prompts_dir: Path, names: Iterable[str] = (), *, providers: Sequence[str] | None = None
) -> dict[str, list[Problem]]:
    """Problems per prompt, for `names` or every prompt file in `prompts_dir`."""
    chosen = list(names) or prompt_names(prompts_dir)
    if not chosen:
        raise UserError(f"no prompt files in {prompts_dir} (create prompts/<name>.yaml)")
    return {name: lint_prompt(prompts_dir, name, providers=providers) for name in chosen}


def used_variables(prompt: PromptFile) -> list[set[str]]:
    """The variables each message's template reads (Jinja's own names excluded)."""
    env = jinja_env()
    builtins = frozenset(env.globals)  # names Jinja provides itself (range, dict, ...) are not variables
    return [set(meta.find_undeclared_variables(env.parse(text))) - builtins for _, text in prompt.messages]


def variable_problems(prompt: PromptFile, loaded: LoadedYaml) -> list[Problem]:
    problems: list[Problem] = []
    declared = set(prompt.variables)
    used_anywhere: set[str] = set()
    for index, used in enumerate(used_variables(prompt)):
        used_anywhere |= used
        where: tuple[str | int, ...] = ("template",) if prompt.text else ("messages", index, "content")
        for name in sorted(used - declared):
            problems.append(
                loaded.problem(
                    where,
                    f"the template uses '{name}', which is not declared under `variables:`",
                    f"declare it: `{name}: {{type: string, description: ...}}` under variables",
                )
            )
    for name in prompt.variables:
        if name not in used_anywhere:
            problems.append(
                loaded.problem(
                    ("variables", name),
                    f"variable '{name}' is declared but no template uses it",
                    "use it in a message or remove the declaration",
                    at_key=True,
                )
            )
    return problems


def provider_problems(
    prompt: PromptFile, loaded: LoadedYaml, providers: Sequence[str] | None
) -> list[Problem]:
    wanted = prompt.written_for.get("provider")
    if providers is None or wanted is None or wanted in providers:
        return []
    return [
        loaded.problem(
            ("written_for", "provider"),
            f"provider '{wanted}' is not declared in ai-feature.yaml",
            f"use one of: {', '.join(providers) or 'none declared'}",
        )
    ]
