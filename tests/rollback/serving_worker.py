"""A serving replica in its own process, driven over stdin, for the rollback propagation tests.

    python serving_worker.py REPO STATE_URL REGISTRY_TTL_S [slow-writer] [online]

`slow-writer`: cache entries and usage events stay queued until `flush` (a replica whose writer had not
written yet when the rollback ran). `online`: call the providers the manifest declares (default offline).
Commands (one per line), each answered with one JSON line:
    complete PROMPT USER TEXT   -> {"version", "cache_hit", "text", "model", "provider", "pid"}
    chat PROMPT CONV TEXT       -> {"version", "text", "history_turns"}
    history CONV                -> [{"role", "content"}, ...]
    flush                       -> {"flushed": bool}
    forget                      -> {"forgot": true} (the next call reads labels and allocations again)
    quit
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from platform_cli.runtime import Feature


def main(argv: list[str]) -> int:
    repo, url, ttl = Path(argv[0]), argv[1], float(argv[2])
    flags = set(argv[3:])
    with Feature.load(repo, state_url=url, offline="online" not in flags, registry_ttl_s=ttl) as feature:
        if "slow-writer" in flags:
            feature.writer.max_delay_s = 3600.0
            feature.writer.batch_size = 10**9
        for line in sys.stdin:
            command, _, rest = line.rstrip("\n").partition(" ")
            answer: object
            if command == "complete":
                prompt, user, text = rest.split(" ", 2)
                variables = {"ticket": text} if prompt == "summarize" else {}
                result = feature.complete(prompt, variables, user=user)
                answer = {
                    "version": result.prompt_version, "cache_hit": result.cache_hit, "text": result.text,
                    "model": result.model, "provider": result.provider, "pid": os.getpid(),
                }  # fmt: skip
            elif command == "chat":
                prompt, conversation, text = rest.split(" ", 2)
                result = feature.chat(conversation, text, prompt=prompt)
                answer = {
                    "version": result.prompt_version,
                    "text": result.text,
                    "history_turns": result.history_turns,
                }
            elif command == "history":
                answer = feature.history(rest)
            elif command == "flush":
                answer = {"flushed": feature.flush()}
            elif command == "forget":
                feature.resolver.invalidate()
                answer = {"forgot": True}
            else:
                break
            print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
