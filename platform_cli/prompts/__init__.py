"""The prompt registry: prompt files, immutable versions, labels with history, portfolios, the resolver.

Names are loaded on first use (PEP 562) so `import platform_cli.prompts.config` from the CLI does not
pay for Jinja and jsonschema at start-up.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from platform_cli.prompts.files import PromptFile, Variable, load_prompt, render_messages
    from platform_cli.prompts.registry import PromptResolver, ResolvedPrompt

__all__ = ["PromptFile", "PromptResolver", "ResolvedPrompt", "Variable", "load_prompt", "render_messages"]

_HOME = {
    "PromptFile": "platform_cli.prompts.files",
    "Variable": "platform_cli.prompts.files",
    "load_prompt": "platform_cli.prompts.files",
    "render_messages": "platform_cli.prompts.files",
    "PromptResolver": "platform_cli.prompts.registry",
    "ResolvedPrompt": "platform_cli.prompts.registry",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(import_module(_HOME[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
