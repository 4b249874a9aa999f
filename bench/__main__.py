"""`python -m bench [NAME...] [--repos N] [--runs N]`: run benchmarks, print one line per measurement."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Sequence

from bench import BENCHMARKS, BenchContext, Measurement
from bench.harness import load_average


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=(
            "Time platform-cli against references measured in the same run; ratio = subject / reference. "
            f"Benchmarks: {', '.join(BENCHMARKS)}."
        ),
        epilog="Example: python -m bench readiness-scan --repos 100",
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (default: all)")
    parser.add_argument("--repos", type=int, default=1000, help="repos in the readiness-scan (default 1000)")
    parser.add_argument(
        "--runs", type=int, default=None, help="repetitions of every measurement (default: per benchmark)"
    )
    return parser


def _say(message: str) -> None:
    print(message, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)} (choose from {', '.join(BENCHMARKS)})")
    if args.repos < 1 or (args.runs is not None and args.runs < 1):
        parser.error("--repos and --runs must be at least 1")
    names = list(dict.fromkeys(args.names)) or list(BENCHMARKS)

    from platform_cli import __version__

    _say(
        f"platform-cli {__version__} benchmarks · Python {platform.python_version()} · "
        f"{os.cpu_count()} CPUs · ratio = subject median / reference median, both timed in this run"
    )
    _say(f"before: {load_average()}")
    _say(_compiled())
    failed: list[str] = []
    measured: list[Measurement] = []
    not_measured: list[str] = []
    start = time.perf_counter()
    try:
        with BenchContext.temporary(repos=args.repos, runs=args.runs, log=_say) as ctx:
            for name in names:
                try:
                    measurements = BENCHMARKS[name](ctx)
                except Exception as error:  # report and go on: one broken benchmark must not hide the others
                    _say(f"{name:<16} FAILED: {type(error).__name__}: {error}")
                    failed.append(name)
                    continue
                for measurement in measurements:
                    _say(measurement.line())
                measured += measurements
            not_measured = ctx.not_measured
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    _say(f"after: {load_average()}")
    _say(_targets_summary(measured, not_measured))
    summary = f"done in {time.perf_counter() - start:.1f} s"
    _say(summary + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


def _compiled() -> str:
    """Compile the package's bytecode first, as installing it does: with PYTHONDONTWRITEBYTECODE set (or a
    checkout whose sources changed since their .pyc), every timed process would compile the modules it
    imports, a cost no installed copy pays."""
    import compileall

    import platform_cli

    package = os.path.dirname(platform_cli.__file__)
    ok = compileall.compile_dir(package, quiet=2)
    return f"bytecode: {'compiled' if ok else 'NOT all compiled'} for {package}"


def _targets_summary(measured: Sequence[Measurement], not_measured: Sequence[str]) -> str:
    """One line: how many promised targets held in this run, and which did not (or were not measured)."""
    targeted = [m for m in measured if m.target is not None]
    missed = [f"{m.benchmark} {m.subject}" for m in targeted if m.target is not None and not m.target.met]
    text = f"targets: {len(targeted) - len(missed)} of {len(targeted)} met"
    if missed:
        text += f"; missed: {'; '.join(missed)}"
    if not_measured:
        text += f"; not measured: {len(not_measured)}"
    return text


if __name__ == "__main__":
    sys.exit(main())
