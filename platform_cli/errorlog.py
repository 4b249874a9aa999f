"""Write the traceback of an unexpected error to a log file the user can attach to a bug report."""

from __future__ import annotations

import datetime as dt
import os
import platform as host
import re
import sys
import traceback
from pathlib import Path

from platform_cli import __version__


def log_dir() -> Path:
    override = os.environ.get("PLATFORM_LOG_DIR")
    if override:
        return Path(override)
    from platform_cli.config import cache_dir

    return cache_dir() / "logs"


def safe_argv(argv: list[str]) -> str:
    """The command line for a report, without any value that could be a secret.

    Command words and option names are kept (`secrets rotate --command`); every value (option values,
    positional arguments, `--opt=value`) becomes `<redacted>`: `--command 'echo sk-...'` or a key passed as
    an argument never reaches a log.
    """
    shown = []
    for arg in argv:
        if arg.startswith("-"):
            name, sep, _ = arg.partition("=")
            shown.append(f"{name}=<redacted>" if sep else name)
        elif _WORD.fullmatch(arg):
            shown.append(arg)
        else:
            shown.append("<redacted>")
    return " ".join(shown)


_WORD = re.compile(r"[a-z]{1,24}(?:-[a-z]{1,24}){0,4}")


def write_crash_log(exc: BaseException, argv: list[str]) -> Path:
    """Write a ready-to-paste report (mode 0600, no secret from argv) and return its path (falls back to
    the temp dir)."""
    from platform_cli.httpclient import redact

    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip()
    body = "\n".join(
        [
            "### platform-cli internal error",
            f"version: {__version__}",
            f"python: {sys.version.split()[0]} on {host.platform()}",
            f"command: platform {safe_argv(argv)}",
            "",
            "```",
            redact(trace),  # an exception message may quote a value: key shapes are removed
            "```",
            "",
        ]
    )
    for directory in (log_dir(), Path(os.environ.get("TMPDIR", "/tmp"))):
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            path = directory / f"crash-{stamp}-{os.getpid()}.log"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(body)
            return path
        except OSError:
            continue
    raise OSError("could not write a crash log anywhere")
