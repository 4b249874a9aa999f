"""Errors of the prompt registry; all are UserErrors (exit 2) whose message says what to do."""

from __future__ import annotations

from platform_cli.errors import UserError


class UnknownPrompt(UserError):
    """No prompt file (or no published prompt) has this name."""


class UnknownVersion(UserError):
    """The prompt has no such published version."""


class UnknownLabel(UserError):
    """The prompt has no such label."""


class RenderError(UserError):
    """A variable is missing, undeclared or of the wrong type, or the template failed to render."""


class PromptUnavailable(UserError):
    """The store cannot be reached and no last-known-good copy of the prompt exists on disk."""


class PromptUnpublished(UserError):
    """A shared store has no published version of the prompt: a running feature never publishes there."""
