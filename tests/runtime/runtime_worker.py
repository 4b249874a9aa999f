"""A separate process using the runtime, driven over stdin, for the two-process tests.

    python runtime_worker.py REPO STATE_URL

Commands (one per line), each answered with one JSON line:
    complete TEXT        -> {"text", "cache_hit", "version", "pid"}
    chat CONV TEXT       -> {"text", "history_turns"}
    history CONV         -> [{"role", "content"}, ...]
    flush                -> {"flushed": true}
    quit
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from platform_cli.runtime import Feature


def main(argv: list[str]) -> int:
    repo, url = Path(argv[0]), argv[1]
    with Feature.load(repo, state_url=url, offline=True) as feature:
        for line in sys.stdin:
            command, _, rest = line.rstrip("\n").partition(" ")
            answer: object
            if command == "complete":
                result = feature.complete("summarize", {"ticket": rest})
                version, pid = result.prompt_version, os.getpid()
                answer = {"text": result.text, "cache_hit": result.cache_hit, "version": version, "pid": pid}
            elif command == "chat":
                conversation, _, message = rest.partition(" ")
                result = feature.chat(conversation, message)
                answer = {"text": result.text, "history_turns": result.history_turns}
            elif command == "history":
                answer = feature.history(rest)
            elif command == "flush":
                answer = {"flushed": feature.flush()}
            else:
                break
            print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
