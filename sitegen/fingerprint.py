"""Stable digests of values: equal values give equal digests, in any process, on any run."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from typing import Any

from pydantic import BaseModel

MISSING = object()
"""What a recorded read found when the key was not there."""


class Fingerprinter:
    """Digests values; a dataclass instance is digested once per Fingerprinter (keep one per build)."""

    def __init__(self) -> None:
        self._memo: dict[int, tuple[Any, bytes]] = {}

    def __call__(self, value: Any) -> bytes:
        """A 16-byte digest of value."""
        digest = hashlib.blake2b(digest_size=16)
        self._feed(digest, value)
        return digest.digest()

    def _feed(self, digest: "hashlib._Hash", value: Any) -> None:
        update = digest.update
        if value is None or isinstance(value, (bool, int, float)):
            update(b"v" + repr(value).encode() + b";")
        elif isinstance(value, str):
            data = value.encode("utf-8", "surrogatepass")
            update(b"s%d:" % len(data))
            update(data)
        elif isinstance(value, bytes):
            update(b"b%d:" % len(value))
            update(value)
        elif isinstance(value, (dt.datetime, dt.date, dt.time)):
            update(b"t" + value.isoformat().encode() + str(getattr(value, "tzinfo", "")).encode() + b";")
        elif isinstance(value, (tuple, list, frozenset, set)):
            items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
            update(b"(%d" % len(items))
            for item in items:
                self._feed(digest, item)
            update(b")")
        elif isinstance(value, dict):
            update(b"{%d" % len(value))
            for key in sorted(value, key=repr):
                self._feed(digest, key)
                self._feed(digest, value[key])
            update(b"}")
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            update(self._dataclass(value))
        elif isinstance(value, BaseModel):
            update(b"m" + value.model_dump_json().encode())
        elif value is MISSING:
            update(b"missing;")
        else:
            update(b"r" + type(value).__qualname__.encode() + repr(value).encode() + b";")

    def _dataclass(self, value: Any) -> bytes:
        """Fields that take part in equality (compare=True), digested once per instance."""
        known = self._memo.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        digest = hashlib.blake2b(digest_size=16)
        digest.update(type(value).__qualname__.encode())
        for field in dataclasses.fields(value):
            if field.compare:
                digest.update(field.name.encode())
                self._feed(digest, getattr(value, field.name))
        result = digest.digest()
        self._memo[id(value)] = (value, result)  # holding value keeps its id from being reused
        return result
