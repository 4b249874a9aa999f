"""A serving process for the concurrency test: N calls through the runtime, then report what reached it.

    python usage_worker.py REPO STATE_URL CALLS TAG

Prints one JSON line: {"calls": ok calls, "errors": [error texts], "dropped": rows the writer dropped,
"flushed": bool}. Every call goes to the (offline) provider: the response cache is off.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from platform_cli.runtime import Feature


def main(argv: list[str]) -> int:
    repo, url, calls, tag = Path(argv[0]), argv[1], int(argv[2]), argv[3]
    ok, errors = 0, []
    with Feature.load(repo, state_url=url, offline=True, cache_ttl_s=0) as feature:
        for i in range(calls):
            try:
                feature.complete("summarize", {"ticket": f"{tag} ticket {i}"}, user=f"{tag}-{i % 7}")
                ok += 1
            except Exception as error:  # anything that reaches the caller is a failure of the test
                errors.append(f"{type(error).__name__}: {error}")
        flushed = feature.flush(60.0)
        dropped = feature.writer.dropped
    print(json.dumps({"calls": ok, "errors": errors, "dropped": dropped, "flushed": flushed}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
