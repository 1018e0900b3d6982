"""Stable digests of values: equal values give equal digests, in any process, on any run."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import pickle
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from .memo import kept

MISSING = object()
"""What a recorded read found when the key was not there."""


PICKLE = "pickle"
"""Digest a value of this type from its pickle, once per Fingerprinter: for leaf values (head
metadata, authors, feed entries) pickling runs at C speed, and equal values of plain fields pickle
to equal bytes (ZoneInfo pickles by key). Containers of such values are better left to the
field-by-field walk, so each part is digested once."""
LONG_TEXT = "long text"
"""As PICKLE, for types with long text fields (post bodies): each long string stands in by its
digest, kept from build to build (FingerprintMemo)."""


@dataclass(frozen=True)
class FingerprintMemo:
    """What one build's Fingerprinter hands the next in the same process (the dev server)."""

    digests: Mapping[int, tuple[Any, bytes]] = kept(saved=False)
    """id -> (object, digest) of dataclass values digested: frozen values reused keep their digest."""
    strings: Mapping[int, tuple[str, bytes]] = kept(saved=False)
    """id -> (string, digest) of the long strings (bodies) digested."""


class Fingerprinter:
    """Digests values; a dataclass instance is digested once per Fingerprinter (keep one per build)."""

    def __init__(
        self,
        memo: FingerprintMemo = FingerprintMemo(),
        *,
        how: Mapping[type, str] = {},  # noqa: B006 - read only
        stand_in: Mapping[type, Callable[[Any], bytes | None]] = {},  # noqa: B006 - read only
    ) -> None:
        """how: type -> PICKLE or LONG_TEXT, for types better digested whole; stand_in: type -> a
        function giving bytes that stand for the whole value (what it was made of), or None."""
        self._memo: dict[int, tuple[Any, bytes]] = {}
        self._previous = memo.digests
        self._how = how
        self._stand_in = stand_in
        self._known_strings = memo.strings
        self.strings: dict[int, tuple[str, bytes]] = {}
        """Digests of the long strings seen."""

    def memo(self) -> FingerprintMemo:
        """What this Fingerprinter digested, for the next build's."""
        return FingerprintMemo(self._memo, self.strings)

    def _long_string(self, value: str) -> bytes:
        """Post bodies are the same objects build after build (cached documents): digest each once."""
        known = self.strings.get(id(value)) or self._known_strings.get(id(value))
        if known is None or known[0] is not value:
            known = (value, hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=16).digest())
        self.strings[id(value)] = known  # holding value keeps its id from being reused
        return known[1]

    def __call__(self, value: Any) -> bytes:
        """A 16-byte digest of value."""
        digest = hashlib.blake2b(digest_size=16)
        self._feed(digest, value)
        return digest.digest()

    def _feed(self, digest: "hashlib._Hash", value: Any) -> None:
        kind = type(value)
        update = digest.update
        if kind is str:
            if len(value) > 512:
                update(b"S" + self._long_string(value))
            else:
                data = value.encode("utf-8", "surrogatepass")
                update(b"s%d:" % len(data))
                update(data)
        elif kind is tuple or kind is list:
            update(b"(%d" % len(value))
            for item in value:
                self._feed(digest, item)
            update(b")")
        elif "__dataclass_fields__" in kind.__dict__ or hasattr(kind, "__dataclass_fields__"):
            update(self._dataclass(value))
        elif value is None or kind is bool or kind is int or kind is float:
            update(b"v" + repr(value).encode() + b";")
        elif isinstance(value, (dt.datetime, dt.date, dt.time)):
            update(b"t" + value.isoformat().encode() + str(getattr(value, "tzinfo", "")).encode() + b";")
        elif isinstance(value, bytes):
            update(b"b%d:" % len(value))
            update(value)
        elif isinstance(value, (frozenset, set)):
            self._feed(digest, sorted(value, key=repr))
        elif isinstance(value, dict):
            update(b"{%d" % len(value))
            for key in sorted(value, key=repr):
                self._feed(digest, key)
                self._feed(digest, value[key])
            update(b"}")
        elif isinstance(value, BaseModel):
            # Field by field, dicts in their order (the order of social links shows): pydantic's
            # serializer would have to be built first, 30-40 ms at a rebuild that validates nothing.
            update(b"m" + kind.__qualname__.encode() + b"(")
            for name, field_value in value.__dict__.items():
                self._feed(digest, name)
                self._feed(digest, list(field_value.items()) if type(field_value) is dict else field_value)
            update(b")")
        elif value is MISSING:
            update(b"missing;")
        else:
            update(b"r" + kind.__qualname__.encode() + repr(value).encode() + b";")

    def _dataclass(self, value: Any) -> bytes:
        """Fields that take part in equality (compare=True), digested once per instance.

        Frozen values are immutable, so an object digested last build keeps its digest.
        """
        known = self._memo.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        earlier = self._previous.get(id(value))
        if earlier is not None and earlier[0] is value:
            self._memo[id(value)] = earlier
            return earlier[1]
        kind = type(value)
        stand_in = self._stand_in.get(kind)
        origin = stand_in(value) if stand_in is not None else None
        if origin is not None:  # what it was made of stands for it
            result = hashlib.blake2b(kind.__qualname__.encode() + b"\0origin" + origin, digest_size=16).digest()
            self._memo[id(value)] = (value, result)
            return result
        how = self._how.get(kind)
        if how:
            if how == LONG_TEXT:  # long strings (bodies) stand in by their memoised digest
                parts = tuple(
                    ("S", self._long_string(v)) if type(v) is str and len(v) > 512 else v
                    for v in (getattr(value, name) for name in _compared_fields(type(value)))
                )
                data = pickle.dumps(parts, protocol=5)
            else:
                data = pickle.dumps(value, protocol=5)
            result = hashlib.blake2b(type(value).__qualname__.encode() + data, digest_size=16).digest()
            self._memo[id(value)] = (value, result)
            return result
        digest = hashlib.blake2b(digest_size=16)
        digest.update(type(value).__qualname__.encode())
        for name in _compared_fields(type(value)):
            digest.update(name.encode())
            self._feed(digest, getattr(value, name))
        result = digest.digest()
        self._memo[id(value)] = (value, result)  # holding value keeps its id from being reused
        return result


@functools.cache
def _compared_fields(kind: type) -> tuple[str, ...]:
    """Names of the fields of a dataclass type that take part in equality."""
    return tuple(field.name for field in dataclasses.fields(kind) if field.compare)


def settings_digest(config: BaseModel) -> bytes:
    """A digest of every setting: what an item or output made under these settings depends on."""
    return Fingerprinter()(config)


def same_value(a: Any, b: Any) -> bool:
    """Whether b can stand for a in any output: equal in every field, datetimes in the same zone too.

    Stricter than ==, which treats 09:00+01:00 and 08:00Z as equal (they render differently) and
    skips fields declared compare=False (a feed's entries).
    """
    if a is b:
        return True
    kind = type(a)
    if kind is not type(b):
        return False
    if kind is str or kind is int or kind is bool or kind is float:
        return a == b
    if kind is tuple or kind is list:
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dt.datetime):
        return a == b and a.utcoffset() == b.utcoffset() and str(a.tzinfo) == str(b.tzinfo)
    if "__dataclass_fields__" in kind.__dict__ or hasattr(kind, "__dataclass_fields__"):
        return all(same_value(getattr(a, name), getattr(b, name)) for name in _all_fields(kind))
    if isinstance(a, dict):  # order counts: a template looping over `extra` shows it in order
        return list(a) == list(b) and all(same_value(a[key], b[key]) for key in a)
    return a == b


@functools.cache
def _all_fields(kind: type) -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(kind))
