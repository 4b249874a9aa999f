"""Click commands only: parse arguments, call the core, render the result. No logic lives here."""

from platform_cli import dataclass_methods

# Before any command module makes its dataclasses: their methods compile once, not on every run.
dataclass_methods.install()
