"""Run one `platform` command in this process, then print its exit code and every module it imported.

Used by test_import_budgets.py in a fresh interpreter: `python import_probe.py WORDS...`. The modules click
itself needs are loaded before the count starts, so the list is what platform-cli adds to a bare click
command. The command's own output is swallowed.
"""

import contextlib
import io
import sys

import click  # noqa: F401  (the reference: what any click command loads anyway)

baseline = set(sys.modules)

from platform_cli.cli.main import run  # noqa: E402

with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = run(sys.argv[1:])
loaded = sorted(set(sys.modules) - baseline)
sys.stdout.write(f"{code}\n" + "\n".join(loaded) + "\n")
