"""Where a new secret value comes from: generated here, read from stdin, or minted by a vendor command."""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Callable

from platform_cli.errors import UserError

ValueSource = Callable[[], str]
MAX_VALUE_LENGTH = 16_384


def checked(value: str, origin: str) -> str:
    """The value without surrounding whitespace; refuse empty, multi-line or oversized values."""
    value = value.strip()
    if not value:
        raise UserError(f"{origin} gave an empty value; nothing was changed")
    if any(c in value for c in "\r\n\0"):
        raise UserError(f"{origin} gave more than one line; a key is a single line (nothing was changed)")
    if len(value) > MAX_VALUE_LENGTH:
        raise UserError(f"{origin} gave a value over {MAX_VALUE_LENGTH} characters; nothing was changed")
    return value


def generated(nbytes: int = 32, prefix: str = "") -> ValueSource:
    """A random URL-safe key (`nbytes` of entropy) for servers whose keys you mint yourself."""
    return lambda: prefix + secrets.token_urlsafe(nbytes)


def from_reader(read: Callable[[], str], origin: str = "stdin") -> ValueSource:
    """What `read` returns, as one line (the CLI passes stdin or a hidden prompt)."""
    return lambda: checked(read(), origin)


def from_command(command: str, timeout_s: float = 300.0) -> ValueSource:
    """Run `command` (a shell command that mints a key at the vendor) and take the last line of its stdout."""

    def run() -> str:
        try:
            proc = subprocess.run(
                command, shell=True, capture_output=True, text=True, timeout=timeout_s, check=False
            )
        except subprocess.TimeoutExpired:
            raise UserError(f"--command timed out after {timeout_s:g}s; nothing was changed") from None
        if proc.returncode != 0:
            raise UserError(
                f"--command exited {proc.returncode}; nothing was changed "
                "(its output is hidden: it may hold a key)"
            )
        lines = [line for line in proc.stdout.splitlines() if line.strip()]
        return checked(lines[-1] if lines else "", "--command")

    return run
