"""The errors of the store.

Exception tree::

    StoreError
    ├── Conflict           a constraint refused a write (a race that a check inside the
    │                      transaction did not catch, or a duplicate); the transaction is rolled back
    ├── Unavailable        the database could not be reached, or stayed locked past the timeout
    └── SchemaMismatch     the database is not at the schema this code expects

    WouldBlock             not a failure: a statement was about to run inside
                           ``Database.no_io()``; the caller runs the work again where it may wait

The messages never carry bound parameters (the engine hides them), so no stored value — not even
an encrypted one — ends up in an exception or a log line.
"""

from __future__ import annotations


class StoreError(Exception):
    """Root of every error the store raises."""


class Conflict(StoreError):
    """A unique, foreign-key or check constraint refused the write."""


class Unavailable(StoreError):
    """The database is unreachable or stayed locked longer than the busy timeout."""


class SchemaMismatch(StoreError):
    """The database schema is not the one this code was written for."""


class WouldBlock(Exception):  # noqa: N818 - a signal to retry elsewhere, not an error
    """The work needs the database, and was run where it must not wait (``Database.no_io``).

    Not a ``StoreError``: nothing failed, and no handler of store errors may swallow it.
    """
