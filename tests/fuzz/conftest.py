"""Hypothesis profiles for the loader property tests, and the count of inputs each loader was given.

`make test` uses the "loaders" profile with its default budget (60 inputs per loader): a fixed,
derandomized stream of examples per loader, small enough for CI. `make fuzz` sets PLATFORM_FUZZ_EXAMPLES
(default there: 2000) for the long run. Either way the summary at the end says how many inputs each loader
tried, how many it accepted and refused (exit 2, located), and how many ended in an internal error (exit 3)
or a traceback: that must be zero.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("PLATFORM_FUZZ_EXAMPLES", "60"))

settings.register_profile(
    "loaders",
    derandomize=True,  # a fixed stream of inputs: the same on every machine and every run
    max_examples=EXAMPLES,
    deadline=None,  # the loaders' own bounds are what is tested; a loaded CI machine must not flake
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from loader_tally import summary_lines

    lines = summary_lines()
    if lines:
        terminalreporter.section("loader property tests: inputs tried")
        for line in lines:
            terminalreporter.write_line(line)
