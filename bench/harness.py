"""What every benchmark shares: timing, the measurement line, a temporary workspace with a generated repo."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

FEATURE_DATA: dict[str, str] = {"name": "Support Summarizer", "eval_owner": "jane@example.com"}


@dataclass(frozen=True)
class Measurement:
    """One timed subject against a reference timed in the same run. `ratio` is subject / reference."""

    benchmark: str
    subject: str
    median_s: float
    reference: str
    reference_s: float
    runs: int
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.median_s / self.reference_s if self.reference_s > 0 else float("inf")

    def line(self) -> str:
        text = (
            f"{self.benchmark:<16} {self.subject:<40} median {format_seconds(self.median_s)} | "
            f"reference {self.reference:<36} {format_seconds(self.reference_s)} | "
            f"ratio {self.ratio:8.2f}x | n={self.runs}"
        )
        return f"{text} | {self.note}" if self.note else text


def format_seconds(seconds: float) -> str:
    """Fixed-width, human unit: 812.4 us, 25.31 ms, 1.204 s."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:7.1f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:7.2f} ms"
    return f"{seconds:7.3f} s "


def timed(call: Callable[[], object]) -> float:
    """Seconds one call takes (perf_counter)."""
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def interleaved(
    subject: Callable[[], object], reference: Callable[[], object], runs: int, *, warmup: int = 1
) -> tuple[float, float]:
    """Median seconds of `subject` and of `reference`, alternating them so drift hits both alike."""
    for _ in range(warmup):
        subject()
        reference()
    subject_times: list[float] = []
    reference_times: list[float] = []
    for _ in range(runs):
        subject_times.append(timed(subject))
        reference_times.append(timed(reference))
    return statistics.median(subject_times), statistics.median(reference_times)


def run_process(argv: Sequence[str], *, cwd: Path | None = None, ok: Sequence[int] = (0,)) -> None:
    """Run a command to completion; a surprising exit code is an error (never time a crash)."""
    proc = subprocess.run(list(argv), cwd=cwd, capture_output=True, check=False)
    if proc.returncode not in ok:
        stderr = proc.stderr.decode("utf-8", "replace").strip()[-2000:]
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {stderr}")


def python_argv(*args: str) -> list[str]:
    """This interpreter (the venv's when run as `.venv/bin/python -m bench`) with arguments."""
    return [sys.executable, *args]


def platform_argv(*args: str) -> list[str]:
    """The installed `platform` console script next to this interpreter (else `python -m platform_cli`)."""
    script = Path(sys.executable).parent / "platform"
    if script.is_file():
        return [str(script), *args]
    return python_argv("-m", "platform_cli", *args)


class BenchContext:
    """A benchmark run's workspace: a temporary root, one lazily generated feature repo, and run counts.

    `runs` overrides every benchmark's repetition count (the smoke test passes a tiny one); `repos` is the
    size of the org-wide scan.
    """

    def __init__(
        self,
        root: Path,
        *,
        repos: int = 500,
        runs: int | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.root = root
        self.repos = repos
        self.runs_override = runs
        self._log = log
        self._repo: Path | None = None

    def log(self, message: str) -> None:
        """A progress line (not a measurement); silent unless the context was given a `log`."""
        if self._log is not None:
            self._log(message)

    def runs(self, default: int) -> int:
        return max(1, self.runs_override if self.runs_override is not None else default)

    @property
    def repo(self) -> Path:
        """A freshly generated feature repo (git repo with one commit), generated once per context."""
        if self._repo is None:
            from platform_cli.scaffold import new_feature

            self._repo = new_feature(self.root / "support-summarizer", dict(FEATURE_DATA)).dest
        return self._repo

    def fresh_dir(self, name: str) -> Path:
        """A new, empty directory under the workspace."""
        return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.root))

    @classmethod
    @contextmanager
    def temporary(
        cls, *, repos: int = 500, runs: int | None = None, log: Callable[[str], None] | None = None
    ) -> Iterator[BenchContext]:
        """A context over a temporary directory that is removed afterwards, whatever happens."""
        root = Path(tempfile.mkdtemp(prefix="platform-bench-"))
        try:
            yield cls(root, repos=repos, runs=runs, log=log)
        finally:
            shutil.rmtree(root, ignore_errors=True)
