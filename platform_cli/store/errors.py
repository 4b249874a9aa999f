"""Errors raised by the state store; messages never contain a password from the store URL."""

from __future__ import annotations

from platform_cli.errors import UserError


class StoreError(UserError):
    """The state store could not be opened, migrated or queried.

    A UserError (exit 2) because the fix is on the user's side: a wrong URL, a server that is down,
    a database written by a newer platform-cli. Messages are already redacted.
    """


class StoreConflict(StoreError):
    """A write broke a uniqueness or foreign-key constraint (e.g. a label that already exists)."""
