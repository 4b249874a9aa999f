"""Test helper: migration lists for the store tests, and a process that migrates when a go-file appears.

Run as `python store_migration_worker.py URL GO_FILE READY_FILE`; prints the applied versions as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from platform_cli.store import Migration, open_store, sql

INITIAL = sql.MIGRATIONS[0]
WIDGETS = Migration(
    2, "widgets", ("CREATE TABLE widgets (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",)
)
# Slow enough (tens of ms) that concurrent migrators really overlap.
NUMBERS = Migration(
    3,
    "numbers",
    (
        "CREATE TABLE numbers (n INTEGER NOT NULL)",
        "INSERT INTO numbers (n) WITH RECURSIVE c(x) AS"
        " (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) SELECT x FROM c",
    ),
)
# Applying this twice would break the UNIQUE constraint, so "exactly once" is checked by the database too.
SEED = Migration(4, "seed widget", ("INSERT INTO widgets (id, name) VALUES (1, 'only-once')",))
CONCURRENT = (INITIAL, WIDGETS, NUMBERS, SEED)


def main(url: str, go_file: Path, ready_file: Path) -> int:
    # Connect first, so the race below is between migrations, not between connection handshakes.
    with open_store(url, migrate=False, migrations=CONCURRENT) as store:
        ready_file.touch()
        deadline = time.monotonic() + 30
        while not go_file.exists():
            if time.monotonic() > deadline:
                print("timed out waiting for the go file", file=sys.stderr)
                return 1
            time.sleep(0.001)
        applied = store.migrate()
    print(json.dumps([record.version for record in applied]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])))
