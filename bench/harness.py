"""What every benchmark shares: timing, the measurement line, a temporary workspace with a generated repo."""

from __future__ import annotations

import os
import resource
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
    target: Target | None = None

    @property
    def ratio(self) -> float:
        return self.median_s / self.reference_s if self.reference_s > 0 else float("inf")

    def line(self) -> str:
        text = (
            f"{self.benchmark:<16} {self.subject:<40} median {format_seconds(self.median_s)} | "
            f"reference {self.reference:<36} {format_seconds(self.reference_s)} | "
            f"ratio {self.ratio:8.2f}x | n={self.runs}"
        )
        if self.target is not None:
            text += f" | target {self.target.text}: {'met' if self.target.met else 'MISSED'}"
        return f"{text} | {self.note}" if self.note else text


@dataclass(frozen=True)
class Target:
    """What the issue promises for a measurement (`text`, e.g. "ratio <= 1.50x") and whether it held."""

    text: str
    met: bool

    @classmethod
    def ratio_at_most(cls, ratio: float, limit: float) -> Target:
        return cls(f"ratio <= {limit:.2f}x", ratio <= limit)

    @classmethod
    def at_least(cls, value: float, limit: float, unit: str) -> Target:
        return cls(f">= {limit:g} {unit}", value >= limit)

    @classmethod
    def seconds_under(cls, seconds: float, limit: float) -> Target:
        return cls(f"< {limit:g} s", seconds < limit)


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


def run_process(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    ok: Sequence[int] = (0,),
    env: dict[str, str] | None = None,
) -> None:
    """Run a command to completion; a surprising exit code is an error (never time a crash)."""
    proc = subprocess.run(list(argv), cwd=cwd, capture_output=True, check=False, env=env)
    if proc.returncode not in ok:
        stderr = proc.stderr.decode("utf-8", "replace").strip()[-2000:]
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {stderr}")


def run_on_terminal(
    argv: Sequence[str], *, env: dict[str, str] | None = None, ok: Sequence[int] = (0,)
) -> None:
    """Run a command with its stderr on a pseudo-terminal (so progress bars are drawn, as a person sees
    them), stdout discarded; the terminal's output is read as it comes so the command never blocks on it."""
    import pty
    import threading

    leader, follower = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO once the command has exited and the follower side is closed
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        proc = subprocess.run(
            list(argv),
            stdout=subprocess.DEVNULL,
            stderr=follower,
            stdin=subprocess.DEVNULL,
            env=env,
            check=False,
        )
    finally:
        os.close(follower)
        reader.join(timeout=5)
        os.close(leader)
    if proc.returncode not in ok:
        tail = b"".join(chunks).decode("utf-8", "replace").strip()[-2000:]
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {tail}")


def children_cpu_s() -> float:
    """CPU seconds (user + system) used so far by this process's finished children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class ColdPair:
    """Medians of two commands, each run in a fresh process, alternated: wall clock and CPU time."""

    subject_s: float
    reference_s: float
    subject_cpu_s: float
    reference_cpu_s: float
    runs: int

    @property
    def cpu_ratio(self) -> float:
        return self.subject_cpu_s / self.reference_cpu_s if self.reference_cpu_s > 0 else float("inf")

    def cpu_note(self) -> str:
        """CPU time barely moves with load (wall time does): the ratio a quiet machine would show."""
        subject, reference = (format_seconds(s).strip() for s in (self.subject_cpu_s, self.reference_cpu_s))
        return f"cpu {subject} vs {reference} (cpu ratio {self.cpu_ratio:.2f}x)"


def cold_pair(
    subject: Sequence[str],
    reference: Sequence[str],
    runs: int,
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    ok: Sequence[int] = (0,),
    warmup: int = 1,
) -> ColdPair:
    """Time `subject` and `reference` as whole processes, alternating A/B so load drift hits both alike.

    Wall time is what a person waits for; the children's CPU time (rusage) is recorded too, because on a
    shared machine it stays close to what a quiet one would show while wall time does not.
    """

    def once(argv: Sequence[str]) -> tuple[float, float]:
        cpu = children_cpu_s()
        wall = timed(lambda: run_process(argv, cwd=cwd, ok=ok, env=env))
        return wall, children_cpu_s() - cpu

    for _ in range(warmup):
        once(subject)
        once(reference)
    subject_runs: list[tuple[float, float]] = []
    reference_runs: list[tuple[float, float]] = []
    for _ in range(runs):
        subject_runs.append(once(subject))
        reference_runs.append(once(reference))
    return ColdPair(
        statistics.median(w for w, _ in subject_runs),
        statistics.median(w for w, _ in reference_runs),
        statistics.median(c for _, c in subject_runs),
        statistics.median(c for _, c in reference_runs),
        runs,
    )


HELLO_SCRIPT = """\
\"\"\"A bare click "hello" command: the reference for start-up figures (same interpreter, same click).\"\"\"

import click


@click.command()
@click.version_option("1.0", "--version", prog_name="hello")
def hello() -> None:
    \"\"\"Say hello.\"\"\"
    click.echo("hello")


if __name__ == "__main__":
    hello()
"""


def hello_argv(root: Path) -> list[str]:
    """The bare click "hello" command (written under `root` once), run by this interpreter."""
    script = root / "hello_click.py"
    if not script.is_file():
        script.write_text(HELLO_SCRIPT, encoding="utf-8")
    return python_argv(str(script))


def load_average() -> str:
    """The 1/5/15-minute load averages, for the report (a figure means little without them)."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def quiet_env(**extra: str) -> dict[str, str]:
    """This environment without the variables that would point a command at another repo or store, and
    with bytecode writing on, as on a person's machine (a CI image or sandbox that sets
    PYTHONDONTWRITEBYTECODE would otherwise time what no installed copy pays: the package keeps its compiled
    dataclass methods beside its bytecode, see platform_cli/dataclass_methods.py)."""
    dropped = {"PLATFORM_STATE_URL", "PLATFORM_REPO", "PLATFORM_POLICIES", "PLATFORM_OFFLINE"}
    dropped.add("PYTHONDONTWRITEBYTECODE")
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.update(extra)
    return env


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
        self.not_measured: list[str] = []

    def log(self, message: str) -> None:
        """A progress line (not a measurement); silent unless the context was given a `log`."""
        if self._log is not None:
            self._log(message)

    def missed(self, message: str) -> None:
        """A figure that could not be measured: logged now and listed again in the run's summary."""
        self.not_measured.append(message)
        self.log(message)

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
