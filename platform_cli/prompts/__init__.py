"""Prompt files and rendering (the versioned registry arrives with issue 4)."""

from platform_cli.prompts.files import PromptFile, load_prompt, render_messages

__all__ = ["PromptFile", "load_prompt", "render_messages"]
