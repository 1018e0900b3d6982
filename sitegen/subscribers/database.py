"""Opening the subscriber list's file: created readable by the owner only, in WAL mode, its schema
brought up to date (migrate(), from schema.sql), and checked against the site's secret."""

from __future__ import annotations

import os
import re
import sqlite3
from importlib.resources import files
from pathlib import Path

from ..errors import Problem, SitegenError
from .store import Store

MIGRATIONS: tuple[str, ...] = tuple(
    part.split("\n", 1)[1] for part in re.split(r"^-- migration \d+", (files(__package__) / "schema.sql").read_text(encoding="utf-8"), flags=re.M)[1:]
)
"""The schema (schema.sql), one script per version: PRAGMA user_version says how many have run."""


def open_store(path: Path, *, secret_id: str, checkpoints: bool = True) -> Store:
    """Open (or create, with its folder, readable by the owner only) the subscriber list at path, bring
    its schema up to date, and check that it was made with this secret (see tokens.secret_id).

    checkpoints=False: this connection never copies the WAL back into the database file itself (a
    checkpoint syncs the disk, which can take long enough to stall every request waiting behind a
    commit); the service calls checkpoint() from a thread of its own instead."""
    path = Path(path)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        new = not path.exists()
        if new:  # created before SQLite opens it, so that it is never readable by others
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA foreign_keys = ON")
        if not checkpoints:
            connection.execute("PRAGMA wal_autocheckpoint = 0")
        store = Store(connection, path)
        migrate(store)
    except sqlite3.DatabaseError as error:
        raise SitegenError([Problem(str(path), message=f"cannot open the subscriber list: {error}")]) from None
    store._check_secret(secret_id)
    return store


def checkpoint(path: Path) -> None:
    """Copy what the WAL holds into the database file, without waiting for or blocking writers (PASSIVE),
    on a connection of its own: for a thread beside the service's."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        connection.close()


def migrate(store: Store) -> int:
    """Run the migrations the file has not had yet, each whole or not at all; the schema version after."""
    connection = store.connection
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise SitegenError([Problem(
            str(store.path), message=f"the subscriber list has schema version {version}, made by a newer sitegen "
            f"(this one knows up to {len(MIGRATIONS)}): upgrade sitegen",
        )])
    for number in range(version, len(MIGRATIONS)):
        # executescript commits first; BEGIN ... COMMIT inside makes each migration one transaction,
        # its version number included.
        try:
            connection.executescript(f"BEGIN IMMEDIATE;\n{MIGRATIONS[number]}\nPRAGMA user_version = {number + 1};\nCOMMIT;")
        except sqlite3.Error:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
    return len(MIGRATIONS)
