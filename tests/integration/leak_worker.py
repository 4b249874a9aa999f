"""Exercise the runtime with planted API keys and print everything a user could see: the leak test's subject.

    python leak_worker.py REPO LOG_FILE

Logs at DEBUG (root logger, so requests/urllib3 too) to LOG_FILE and to stderr; prints results, reprs and
error messages to stdout; ends with an uncaught error so a full traceback reaches stderr.
"""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

from platform_cli.manifest import load_manifest
from platform_cli.runtime import AllProvidersFailed, Feature
from platform_cli.secrets import SecretReader


def main(repo: Path, log_file: Path) -> None:
    logging.basicConfig(filename=log_file, level=logging.DEBUG, format="%(name)s %(levelname)s %(message)s")
    logging.getLogger().addHandler(logging.StreamHandler(sys.stderr))
    reader = SecretReader(load_manifest(repo / "ai-feature.yaml"))
    print(repr(reader.get("OPENAI_API_KEY")), str(reader.get("ANTHROPIC_API_KEY")))
    feature = Feature.load(repo, secrets=reader.get, cache_ttl_s=0, sleep=lambda s: None)
    print(repr(feature), [repr(p) for p in feature.providers], [vars(p.inner) for p in feature.providers])

    served = feature.complete("summarize", {"ticket": "401 on the primary, the fallback answers"})
    print(repr(served))
    try:
        feature.complete("summarize", {"ticket": "every provider fails"})
    except AllProvidersFailed as error:
        print(
            "caught:",
            str(error),
            repr(error),
            [repr(f) for f in error.failures],
            [str(f) for f in error.failures],
        )
        traceback.print_exc()
    print(repr(feature.chat("conv-leak", "Hello")), feature.history("conv-leak"))
    feature.flush()
    feature.complete("summarize", {"ticket": "the last call fails, uncaught"})


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
