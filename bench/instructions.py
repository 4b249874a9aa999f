"""`python -m bench.instructions [--tree DIR]`: instructions per runtime call, counted by valgrind.

`python -m bench runtime-overhead` times calls on the clock, and on a shared machine the clock moves with
everyone else's load: the same tree's cache-miss overhead ran anywhere from 103 to 198 µs in one evening.
An instruction count does not move with load. This runs the runtime-overhead calls (cache miss with the
writes flushed, cache hit, a chat turn, and the bare FakeProvider call they are compared with) under
callgrind, in a tree of your choice (`--tree`, default this checkout), and prints instructions per call:
each figure is (instructions of a run with N calls - instructions of the same run with none) / N, so
start-up and imports cancel out. The writer thread's work (usage events, cache entries, samples) is counted:
every run flushes before it ends. Hash randomisation is fixed, and every counted run finds the same user
cache (a run outside valgrind fills it first), so two runs of a tree agree closely.

Compare two commits by running it in each (e.g. a `git worktree add` of the older one):
    python -m bench.instructions --tree ../platform-before
    python -m bench.instructions

Needs `valgrind` on PATH; about 10 minutes per tree (valgrind runs Python about 50x slower).
Instructions are not time (cache misses and system calls are not in them); they show whether the code a
call runs grew or shrank, which is what a before/after of a change needs.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

KINDS = ("miss", "hit", "chat")
CALLS = {"miss": 1000, "hit": 1000, "chat": 250, "reference": 1000}

# Runs inside the tree being measured; uses only the API every version of the runtime has had.
_CHILD = """
import itertools, os, sys
from pathlib import Path
tree, repo, state, kind, calls = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
sys.path.insert(0, tree)
from platform_cli.providers import FakeProvider
from platform_cli.runtime import Feature
feature = Feature.load(Path(repo), offline=True, state_url=f"sqlite:///{state}")
segment = feature.manifest.segments[0] if feature.manifest.segments else "general"
variables = {"ticket": "My invoice shows a double charge for March.", "segment": segment}
feature.complete("summarize", variables)
resolved = feature.resolver.resolve("summarize")
messages, params = resolved.render(variables), dict(resolved.parameters)
bare = FakeProvider("primary", feature.providers[0].model)
tickets, conversations = itertools.count(), itertools.count()
def miss():
    feature.complete("summarize", {"ticket": f"ticket {next(tickets)} double charge", "segment": segment})
def hit():
    feature.complete("summarize", variables)
def chat():
    feature.chat(f"conv-{next(conversations) % 50}", "Where is my refund?", prompt="summarize",
                 variables=variables)
def reference():
    bare.complete(messages, params)
call = {"miss": miss, "hit": hit, "chat": chat, "reference": reference}[kind]
for warm in (miss, hit, chat, reference):
    for _ in range(20):
        warm()
feature.flush(600)
for _ in range(calls):
    call()
feature.flush(600)
feature.close()
"""

_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def _generate(tree: Path, root: Path) -> Path:
    """The tree's own generated feature repo (its template, its scaffold)."""
    code = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); "
        "from bench.harness import BenchContext; print(BenchContext(Path(sys.argv[2])).repo)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tree), str(root)],
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(out.stdout.strip().splitlines()[-1])


def _env(tree: Path, cache: Path) -> dict[str, str]:
    # A user cache of the run's own, filled by the warm-up: every counted run then finds the same one.
    return {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0", "XDG_CACHE_HOME": str(cache)}


def _warm_up(tree: Path, repo: Path, state: Path, cache: Path) -> None:
    """One run outside valgrind, so remembered validations in the user cache are there for all counted runs
    (the first run of a tree would otherwise count their filling)."""
    state.unlink(missing_ok=True)
    argv = [sys.executable, "-c", _CHILD, str(tree), str(repo), str(state), "miss", "0"]
    subprocess.run(argv, env=_env(tree, cache), capture_output=True, check=True)


def _instructions(tree: Path, repo: Path, state: Path, cache: Path, kind: str, calls: int) -> int:
    state.unlink(missing_ok=True)
    argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", _CHILD]
    done = subprocess.run(
        [*argv, str(tree), str(repo), str(state), kind, str(calls)],
        env=_env(tree, cache),
        capture_output=True,
        text=True,
    )
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"{kind} x{calls} failed under valgrind:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.instructions",
        description="Instructions per runtime call (valgrind callgrind), for comparing two trees.",
        epilog="Example: python -m bench.instructions --tree ../platform-before",
    )
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"any of {','.join(KINDS)}")
    args = parser.parse_args(argv)
    kinds = [k for k in args.kinds.split(",") if k]
    if not set(kinds) <= set(KINDS):
        parser.error(f"--kinds: choose from {', '.join(KINDS)}")
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not on PATH (install it: the Debian package is `valgrind`)")
    tree = args.tree.resolve()
    with tempfile.TemporaryDirectory(prefix="bench-instructions-") as tmp:
        repo = _generate(tree, Path(tmp))
        state, cache = Path(tmp) / "state.db", Path(tmp) / "user-cache"
        _warm_up(tree, repo, state, cache)
        base = _instructions(tree, repo, state, cache, "miss", 0)  # start-up, imports, warm-up: cancelled out
        per_call = {
            kind: (_instructions(tree, repo, state, cache, kind, CALLS[kind]) - base) / CALLS[kind]
            for kind in ("reference", *kinds)
        }
    reference = per_call["reference"]
    print(f"tree {tree}: instructions per call (callgrind), reference = bare FakeProvider.complete")
    print(f"  {'reference':<10} {reference / 1000:9.1f} K")
    for kind in kinds:
        value = per_call[kind]
        print(
            f"  {kind:<10} {value / 1000:9.1f} K   overhead {(value - reference) / 1000:9.1f} K"
            f"   ratio {value / reference:5.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
