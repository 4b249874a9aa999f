"""All SQL text of the state store, one module per part of platform-cli, and the MIGRATIONS tuple.

Conventions, so one text runs on SQLite and PostgreSQL:
- Placeholders are `?` only (psycopg gets them translated to `%s`, cached). Do not use PostgreSQL's jsonb
  `?` operators; use `jsonb_exists()` instead.
- Timestamps are TEXT in ISO-8601 UTC with a `Z` (`store.engine.utc_timestamp()`), made in Python and passed
  as parameters; they sort correctly as text. Booleans are INTEGER 0/1, JSON is TEXT, ids are TEXT.
- Generated keys come back through `RETURNING`, never `lastrowid`.
- Where the engines differ, write the statement twice with `ByDialect(sqlite=..., postgresql=...)`.
- A released migration is never edited (its checksum is recorded); change the schema with a new one.

Layout: `core.py` (connection setup, transactions, migration bookkeeping, store_meta, shared DDL helpers),
`prompts.py` (prompt registry), `runtime.py` (cache, turns, usage events), `evals.py` (eval runs,
results, baselines, gate decisions). A new part of platform-cli adds
its own module here (schema migration + queries), appends its migration(s) to MIGRATIONS below with the next
version number, and its store mixin imports that module directly (`from platform_cli.store.sql import evals
as sql`). The names of core, prompts and runtime are re-exported here for the existing mixins.
"""

from __future__ import annotations

from platform_cli.store.sql.core import *  # noqa: F403
from platform_cli.store.sql.core import INITIAL_MIGRATION
from platform_cli.store.sql.cost import COST_MIGRATION, COST_ROLLUP_MIGRATION
from platform_cli.store.sql.evals import EVALS_MIGRATION
from platform_cli.store.sql.prompts import *  # noqa: F403
from platform_cli.store.sql.prompts import PROMPT_REGISTRY_MIGRATION
from platform_cli.store.sql.rollback import ROLLBACK_MIGRATION
from platform_cli.store.sql.rollout import ROLLOUT_MIGRATION
from platform_cli.store.sql.runtime import *  # noqa: F403
from platform_cli.store.sql.runtime import RUNTIME_MIGRATION, USAGE_PROVIDER_KIND_MIGRATION
from platform_cli.store.statements import Migration

# --- migrations: append only ------------------------------------------------------------------------------
MIGRATIONS: tuple[Migration, ...] = (
    INITIAL_MIGRATION,
    PROMPT_REGISTRY_MIGRATION,
    RUNTIME_MIGRATION,
    # Which kind of provider actually answered (e.g. 'fake' for an openai entry served offline), so cost
    # reports can leave out answers that no real provider produced.
    USAGE_PROVIDER_KIND_MIGRATION,
    # Eval runs with per-case results, baselines with history, gate decisions (store/evals.py).
    EVALS_MIGRATION,
    # Priced usage (price_version), traffic class, malformed answers, price tables (store/cost.py).
    COST_MIGRATION,
    # Rollback journal and audit log, revoked prompt versions, runtime overrides, drills (store/rollback.py).
    ROLLBACK_MIGRATION,
    # Per-day roll-up cache for reports over many events; indexes for unpriced and costly requests.
    COST_ROLLUP_MIGRATION,
    # Guarded rollouts, their append-only decision log, online-scored samples (store/rollout.py).
    ROLLOUT_MIGRATION,
)
