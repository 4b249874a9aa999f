"""Write the traceback of an unexpected error to a log file the user can attach to a bug report."""

from __future__ import annotations

import datetime as dt
import os
import platform as host
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


def write_crash_log(exc: BaseException, argv: list[str]) -> Path:
    """Write a ready-to-paste report and return its path (falls back to the temp dir)."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    body = "\n".join(
        [
            "### platform-cli internal error",
            f"version: {__version__}",
            f"python: {sys.version.split()[0]} on {host.platform()}",
            f"command: platform {' '.join(argv)}",
            "",
            "```",
            "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip(),
            "```",
            "",
        ]
    )
    for directory in (log_dir(), Path(os.environ.get("TMPDIR", "/tmp"))):
        try:
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / f"crash-{stamp}-{os.getpid()}.log"
            path.write_text(body, encoding="utf-8")
            return path
        except OSError:
            continue
    raise OSError("could not write a crash log anywhere")
