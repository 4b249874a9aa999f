"""One error root; each subclass maps to exactly one process exit code (`ExitCode`, the README's table)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class ExitCode:
    OK = 0
    CHECK_FAILED = 1
    BAD_INPUT = 2
    INTERNAL = 3
    REFUSED = 4
    INTERRUPTED = 130
    TERMINATED = 143  # 128 + SIGTERM, as a shell reports a process that SIGTERM ended


@dataclass(frozen=True)
class Problem:
    """One located problem in a user's file: rendered as `file:line:col: $.path: message (hint)`."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str
    hint: str = ""

    def render(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
            "hint": self.hint,
        }


class PlatformError(Exception):
    """Root of every error the CLI reports without a traceback."""

    exit_code: int = ExitCode.INTERNAL


class CheckFailed(PlatformError):
    """A gate said no: readiness, eval regression, template drift, budget."""

    exit_code = ExitCode.CHECK_FAILED


class UserError(PlatformError):
    """Bad input or usage. The message says what to do."""

    exit_code = ExitCode.BAD_INPUT


class InvalidFile(UserError):
    """A user file failed to parse or validate; carries every problem found, not just the first."""

    def __init__(self, file: str, problems: Sequence[Problem], what: str = "file") -> None:
        self.file = file
        self.problems = list(problems)
        count = len(self.problems)
        lines = "\n".join(p.render() for p in self.problems)
        super().__init__(f"{file}: {count} problem{'s' if count != 1 else ''} in {what}\n{lines}")


class Refused(PlatformError):
    """Refused for safety: untrusted template code, dirty tree before an update."""

    exit_code = ExitCode.REFUSED


class Terminated(BaseException):
    """SIGTERM arrived: raised in the main thread so every `finally` (temporary folders, journals) runs.

    A BaseException, like KeyboardInterrupt, so no `except Exception` can swallow it.
    """


class InternalError(PlatformError):
    """A bug or an environment failure we can describe but not fix for the user."""

    exit_code = ExitCode.INTERNAL
