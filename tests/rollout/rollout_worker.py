"""A serving process for the two-process rollout test: the real runtime with the planted provider.

    python rollout_worker.py REPO STATE_URL SEED [PLAN_JSON]

PLAN_JSON: the planted provider's Plan fields (e.g. {"canary_refusal": {"billing": 0.3}}); default Plan().

Reads one JSON command per line on stdin and answers one JSON line on stdout:
  {"requests": [[user, segment, "2026-03-02T10:00:00Z"], ...]} -> {"versions": [[user, version], ...]}
      each request is answered at its injected moment ($PLATFORM_NOW); pending writes are flushed first
  {"invalidate": true} -> {"ok": true}   forget cached labels and allocations (a registry TTL expiring)
  {"quit": true}                         close the feature and exit
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from rollout_support import Plan, PlantedProvider

from platform_cli import clock
from platform_cli.providers import make_resilient
from platform_cli.runtime import Feature


def main(repo: str, url: str, seed: int, plan: Plan) -> int:
    feature = Feature.load(Path(repo), state_url=url, cache_ttl_s=0)
    feature.providers = [make_resilient(PlantedProvider(plan, seed=seed), feature.manifest.providers[0])]
    for line in sys.stdin:
        command = json.loads(line)
        if command.get("quit"):
            break
        if command.get("invalidate"):
            feature.resolver.invalidate()
            reply: dict[str, object] = {"ok": True}
        else:
            versions = []
            for user, segment, at in command["requests"]:
                os.environ[clock.ENV] = at
                result = feature.complete(
                    "summarize",
                    {"ticket": "my invoice is wrong", "segment": segment},
                    user=user,
                    segment=segment,
                )
                versions.append([user, result.prompt_version])
            if not feature.flush(60.0):
                raise SystemExit(f"usage events not written: {feature.writer.last_error}")
            reply = {"versions": versions}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    feature.close()
    return 0


if __name__ == "__main__":
    sys.exit(
        main(
            sys.argv[1],
            sys.argv[2],
            int(sys.argv[3]),
            Plan(**json.loads(sys.argv[4] if len(sys.argv) > 4 else "{}")),
        )
    )
