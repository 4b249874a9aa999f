"""`eval-throughput`: `platform eval run` of 1,000 cases at -j 32 against a loopback OpenAI-compatible server
that answers in 50 ms, against the ideal (1,000 / 32 x 50 ms = 1.56 s) and a bare client measured here.

The run is the real one: suite and dataset checked, every call through the feature runtime (prompt
resolved and rendered, provider chain with retries and breaker, usage events), three scorers per answer,
every result committed to the SQLite store and streamed to the JSONL run file. The cache is off so each
case reaches the server (the server counts the requests). The reference is a bare `requests` client with
32 threads posting the same 1,000 requests. When `promptfoo` is on PATH it runs the same cases with
`-j 32` and its ratio is printed too (it is never installed by this project).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench.harness import BenchContext, Measurement, format_seconds

NAME = "eval-throughput"
CASES = 1000
CONCURRENCY = 32
DELAY_S = 0.050
IDEAL_S = CASES / CONCURRENCY * DELAY_S
TARGET = 1.3
RUNS = 3


def _start_server() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.llm_loopback", "--delay-ms", str(DELAY_S * 1000)],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    if len(line) != 2 or line[0] != "PORT":
        proc.kill()
        raise RuntimeError("the loopback server did not start")
    return proc, f"http://127.0.0.1:{line[1]}"


def _served(url: str) -> int:
    import requests

    count: int = requests.get(url + "/count", timeout=5).json()["count"]
    return count


def _repo(ctx: BenchContext, url: str) -> Path:
    from platform_cli.scaffold import new_feature

    dest = new_feature(
        ctx.fresh_dir("evals") / "bench-feature",
        {"name": "Bench Feature", "eval_owner": "jane@example.com", "primary_provider": "openai-compatible",
         "primary_base_url": url, "segments": "billing,technical"},
    ).dest  # fmt: skip
    (dest / ".env").write_text("PRIMARY_API_KEY=sk-bench-loopback\n")
    os.chmod(dest / ".env", 0o600)
    (dest / "evals/suites/throughput.yaml").write_text(
        "name: throughput\nprompt: summarize\ndataset: evals/datasets/throughput.jsonl\n"
        "scorers:\n  - {type: icontains-any, value: [summary]}\n  - {type: refusal}\n"
        "  - {type: max-sentences, max: 3}\n"
    )
    with (dest / "evals/datasets/throughput.jsonl").open("w") as handle:
        for i in range(CASES):
            segment = "billing" if i % 2 else "technical"
            ticket = {"ticket": f"Ticket {i}: the export fails.", "segment": segment}
            row = {"id": f"case-{i}", "input": ticket, "segment": segment}
            handle.write(json.dumps(row) + "\n")
    return dest


def _ours(repo: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one run; CPU is this process's (every thread; the server is another process)."""
    from platform_cli.evals.runs import RunRequest, run_suite

    start, cpu = time.perf_counter(), time.process_time()
    outcome = run_suite(RunRequest(repo, "throughput", concurrency=CONCURRENCY, no_cache=True, offline=False))
    elapsed, used = time.perf_counter() - start, time.process_time() - cpu
    if outcome.tally.done != CASES or outcome.tally.errors:
        raise RuntimeError(f"the run finished {outcome.tally.done} cases with {outcome.tally.errors} errors")
    return elapsed, used


def _bare(url: str) -> tuple[float, float]:
    import requests

    body = {"model": "m", "messages": [{"role": "user", "content": "Ticket: the export fails."}]}
    left = iter(range(CASES))
    lock = threading.Lock()

    def worker() -> None:
        session = requests.Session()
        while True:
            with lock:
                if next(left, None) is None:
                    return
            for attempt in range(3):  # a connection the busy server reset is tried again, as ours are
                try:
                    session.post(url + "/v1/chat/completions", data=json.dumps(body), timeout=30).json()
                    break
                except requests.ConnectionError:
                    if attempt == 2:
                        raise

    start, cpu = time.perf_counter(), time.process_time()
    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, time.process_time() - cpu


def _promptfoo(ctx: BenchContext, url: str) -> tuple[float | None, str]:
    """promptfoo's wall time for the same cases, or None and why not."""
    exe = shutil.which("promptfoo")
    if exe is None:
        return None, "promptfoo not installed: side-by-side skipped"
    folder = ctx.fresh_dir("promptfoo")
    config: dict[str, Any] = {
        "prompts": ["Summarize: {{ticket}}"],
        "providers": [
            {"id": "openai:chat:bench-model", "config": {"apiBaseUrl": url + "/v1", "apiKey": "sk-x"}}
        ],
        "tests": [{"vars": {"ticket": f"Ticket {i}: the export fails."},
                   "assert": [{"type": "icontains", "value": "summary"}]} for i in range(CASES)],
    }  # fmt: skip
    (folder / "promptfooconfig.json").write_text(json.dumps(config))
    # no telemetry or update check: both wait on the network, which a loopback benchmark must not time
    env = {**os.environ, "PROMPTFOO_DISABLE_TELEMETRY": "1", "PROMPTFOO_DISABLE_UPDATE": "1"}
    before = _served(url)
    start = time.perf_counter()
    done = subprocess.run(
        [exe, "eval", "-c", "promptfooconfig.json", "-j", str(CONCURRENCY), "--no-cache", "--no-progress-bar",
         "--no-write"],
        cwd=folder, capture_output=True, text=True, check=False, timeout=600, env=env,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    calls = _served(url) - before
    if done.returncode != 0 or calls != CASES:  # a run that failed is not a time
        said = [
            text for text in done.stderr.splitlines() if text.strip() and not text.lstrip().startswith("at ")
        ]
        return None, f"promptfoo exited {done.returncode} after {calls}/{CASES} calls, not timed: {said[:4]}"
    return elapsed, ""


def run(ctx: BenchContext) -> list[Measurement]:
    import statistics

    runs = ctx.runs(RUNS)
    server, url = _start_server()
    try:
        repo = _repo(ctx, url)
        before = _served(url)
        ours = [_ours(repo) for _ in range(runs)]
        calls = _served(url) - before
        bare = [_bare(url) for _ in range(runs)]
        promptfoo, skipped = _promptfoo(ctx, url)
    finally:
        server.kill()
        server.wait()
    median, reference = statistics.median(w for w, _ in ours), statistics.median(w for w, _ in bare)
    cpu, bare_cpu = statistics.median(c for _, c in ours), statistics.median(c for _, c in bare)
    note = (
        f"ideal {IDEAL_S:.2f} s; ratio to ideal {median / IDEAL_S:.2f}x "
        f"({'within' if median / IDEAL_S <= TARGET else 'OVER'} the {TARGET}x target); "
        f"cpu {cpu:.2f} s per {CASES} cases vs bare client {bare_cpu:.2f} s; "
        f"{calls} calls reached the server for {runs} x {CASES} cases"
    )
    results = [
        Measurement(NAME, f"eval run, {CASES} cases, -j {CONCURRENCY}", median,
                    f"bare requests client, {CONCURRENCY} threads", reference, runs, note),
    ]  # fmt: skip
    if promptfoo is not None:
        results.append(Measurement(NAME, f"promptfoo eval, {CASES} cases, -j {CONCURRENCY}", promptfoo,
                                   f"platform eval run (median {format_seconds(median).strip()})", median, 1,
                                   f"promptfoo ratio to ideal {promptfoo / IDEAL_S:.2f}x"))  # fmt: skip
    else:
        results.append(Measurement(NAME, "ideal: 1000 / 32 x 50 ms", IDEAL_S, "platform eval run", median,
                                   runs, skipped))  # fmt: skip
    return results
