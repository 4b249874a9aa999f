"""The prompt registry: prompt files, immutable versions, labels with history, portfolios, the resolver."""

from platform_cli.prompts.files import PromptFile, Variable, load_prompt, render_messages
from platform_cli.prompts.registry import PromptResolver, ResolvedPrompt

__all__ = ["PromptFile", "PromptResolver", "ResolvedPrompt", "Variable", "load_prompt", "render_messages"]
