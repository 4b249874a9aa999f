"""Readiness rule messages: Jinja templates rendered in a sandbox, checked when a rule file loads.

A message's code is compiled once and kept beside this module's bytecode (jinjacode.py, keptcode.py), so a
check that renders messages (no remembered verdict: a fresh machine, a changed fact) does not lex, parse and
compile every rule's templates on every run.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from platform_cli import jinjacode
from platform_cli.keptcode import KeptCodes

if TYPE_CHECKING:  # imported on first use: a check whose verdicts are remembered renders nothing
    import jinja2
    from jinja2 import nodes
    from jinja2.sandbox import SandboxedEnvironment

# What a message template can read; anything else is reported when the rule file is loaded.
TEMPLATE_VARIABLES = ("fact", "item", "error", "rule")
KEPT = KeptCodes(__file__)


@cache
def _env() -> SandboxedEnvironment:
    """The sandbox messages render in (made on first use)."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    class _LiteUndefined(jinja2.ChainableUndefined):
        """Missing values may be tested (`{% if item.owner %}`, `| default`) but never printed silently."""

        __slots__ = ()

        def __str__(self) -> str:
            self._fail_with_undefined_error()
            return ""  # pragma: no cover - the line above always raises

    return SandboxedEnvironment(autoescape=False, undefined=_LiteUndefined, keep_trailing_newline=False)


@lru_cache(maxsize=1024)
def _parsed(text: str) -> nodes.Template:
    """Parse once: loading a rule checks the syntax, rendering compiles the same tree."""
    return _env().parse(text)


def template_problem(text: str) -> str | None:
    """Why `text` is not a usable message template (syntax, unknown variable), or None when it is fine."""
    import jinja2
    from jinja2 import meta, nodes

    try:
        ast = _parsed(text)
    except jinja2.TemplateSyntaxError as error:
        return f"template syntax error on its line {error.lineno}: {error.message}"
    # Jinja's analysis is conservative about names set inside branches; anything stored anywhere is known.
    stored = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")}
    known = stored | set(TEMPLATE_VARIABLES) | set(_env().globals)
    unknown = sorted(meta.find_undeclared_variables(ast) - known)
    if unknown:
        available = ", ".join(TEMPLATE_VARIABLES)
        return f"template uses unknown variable {', '.join(unknown)} (available: {available})"
    return None


@lru_cache(maxsize=1024)
def _compiled(text: str) -> jinja2.Template:
    """The template of `text`; its code is compiled once and kept (no parse when it was kept)."""
    return jinjacode.template(_env(), text, KEPT)


def render_message(text: str, context: dict[str, Any]) -> tuple[str, str | None]:
    """(rendered message, template error or None). A broken template never raises: it says so instead."""
    if "{" not in text:  # plain text: nothing to render, nothing to compile
        return " ".join(text.split()), None
    try:
        return " ".join(_compiled(text).render(context).split()), None
    except Exception as error:  # a rule author's mistake must not crash the check
        problem = f"{type(error).__name__}: {error}"
        return f"[message template error: {problem}] {' '.join(text.split())}", problem
