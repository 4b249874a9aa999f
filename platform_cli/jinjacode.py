"""Jinja templates whose Python code is compiled once and kept like bytecode (see keptcode.py).

Jinja turns a template's text into Python source and compiles that, on every run: lexing, parsing, code
generation and `compile` cost more than rendering a short template many times over. For a text seen before,
the kept code object is used instead, which is what Jinja's own bytecode caches do for templates loaded by
name; here they are templates made from strings (readiness rule messages, prompt messages). The code is
keyed by everything that shapes it: the Jinja version, the environment's class and its syntax and code
generation options, and the text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jinja2 import Environment, Template

    from platform_cli.keptcode import KeptCodes

# Bump when the way a template is compiled here changes.
FORMAT = 1


def template(env: Environment, text: str, kept: KeptCodes) -> Template:
    """What `env.from_string(text)` returns, its code compiled once for this environment's shape."""
    code = kept.code(_key(env, text), lambda: env.compile(text))
    return env.template_class.from_code(env, code, env.make_globals(None), None)


def _key(env: Environment, text: str) -> str:
    import jinja2

    autoescape = env.autoescape
    escaping = repr(autoescape) if isinstance(autoescape, bool) else f"callable {autoescape!r}"
    shape = (
        f"jinja2 {jinja2.__version__}",
        f"{type(env).__module__}.{type(env).__qualname__}",
        f"{env.code_generator_class.__module__}.{env.code_generator_class.__qualname__}",
        env.block_start_string, env.block_end_string, env.variable_start_string, env.variable_end_string,
        env.comment_start_string, env.comment_end_string, repr(env.line_statement_prefix),
        repr(env.line_comment_prefix), repr(env.trim_blocks), repr(env.lstrip_blocks), env.newline_sequence,
        repr(env.keep_trailing_newline), repr(env.optimized), repr(env.is_async), escaping,
        repr(env.finalize is not None), ",".join(sorted(env.extensions)),
    )  # fmt: skip
    return "\0".join((f"jinjacode {FORMAT}", *shape, text))
