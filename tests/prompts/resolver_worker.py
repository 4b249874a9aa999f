"""A second process for the resolver tests: resolves a prompt on command, with a clock the test advances.

    python resolver_worker.py STATE_URL PROMPTS_DIR LKG_DIR TTL_S [real]

Reads commands from stdin, one per line: `resolve` (prints {"version", "source"} as JSON), `advance S`
(moves the fake clock S seconds on), `quit`. With `real`, the resolver uses the real monotonic clock.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from platform_cli.prompts import PromptResolver


def main(argv: list[str]) -> int:
    url, prompts_dir, lkg_dir, ttl = argv[0], Path(argv[1]), Path(argv[2]), float(argv[3])
    real = len(argv) > 4 and argv[4] == "real"
    now = [1000.0]
    clock = time.monotonic if real else (lambda: now[0])
    resolver = PromptResolver(url, prompts_dir, ttl_s=ttl, lkg_dir=lkg_dir, clock=clock)
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        if command == "resolve":
            resolved = resolver.resolve("summarize")
            print(json.dumps({"version": resolved.version, "source": resolved.source}), flush=True)
        elif command == "advance":
            now[0] += float(arg)
            print("ok", flush=True)
        elif command == "quit":
            break
    resolver.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
