"""Which database the store uses: an explicit URL, else ``DUNNING_DATABASE_URL``, else SQLite."""

from __future__ import annotations

import os

DEFAULT_DATABASE_URL = "sqlite:///dunning.db"
ENV_VAR = "DUNNING_DATABASE_URL"


def database_url(explicit: str | None = None) -> str:
    """Return the database URL to use: ``explicit``, else ``$DUNNING_DATABASE_URL``, else SQLite.

    A bare file path (``ledger.db``) is read as a SQLite database file, so that
    ``--database ledger.db`` works as people expect.
    """
    url = explicit or os.environ.get(ENV_VAR) or DEFAULT_DATABASE_URL
    if "://" not in url:
        url = f"sqlite:///{url}"
    return url
