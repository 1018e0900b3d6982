"""file:///path: a folder on this computer that a web server serves, or a mounted share."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

from ..errors import Problem, SitegenError
from ..files import write_atomically
from .manifest import path_digest, published
from .sync import Upload


class Folder:
    """A folder destination: files are replaced by rename, as the build writes output/."""

    def __init__(self, root: Path, address: str) -> None:
        self.root = root
        self.address = address
        if root.exists() and not root.is_dir():
            raise self._error(f"{root} is a file, not a folder")
        if not root.parent.is_dir():  # a typo, most likely: the first write would make the whole path
            raise self._error(f"neither {root} nor its parent folder {root.parent} exists", "check the path, or make the parent folder first")

    def _error(self, message: str, hint: str | None = None) -> SitegenError:
        return SitegenError([Problem(self.address, message=message, hint=hint)], nothing_written=False)

    def _target(self, path: str) -> str:
        return os.path.join(self.root, *path.split("/"))

    def read(self, path: str) -> bytes | None:
        try:
            with open(self._target(path), "rb") as file:
                return file.read()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise self._error(f"could not read {path}: {error.strerror}") from None

    def existing(self, paths: Sequence[str]) -> set[str]:
        return {path for path in paths if os.path.lexists(self._target(path))}

    def find(self, digests: set[str]) -> dict[str, str]:
        found = {}
        for parent, folders, names in os.walk(self.root):
            folders[:] = [name for name in folders if published(name)]
            relative = os.path.relpath(parent, self.root).replace(os.sep, "/")
            for name in names:
                path = name if relative == "." else f"{relative}/{name}"
                if (digest := path_digest(path)) in digests:
                    found[digest] = path
        return found

    def upload(self, files: Sequence[Upload], done: Callable[[Upload], None]) -> None:
        for upload in files:
            def copy(file: BinaryIO, source: Path = upload.source) -> None:
                with open(source, "rb") as handle:
                    shutil.copyfileobj(handle, file, 1 << 20)

            try:
                write_atomically(self._target(upload.path), copy)
            except OSError as error:
                raise self._error(f"could not write {upload.path}: {error.strerror}", "check that you may write to the folder") from None
            done(upload)

    def write(self, path: str, data: bytes) -> None:
        try:
            write_atomically(self._target(path), data)
        except OSError as error:
            raise self._error(f"could not write {path}: {error.strerror}", "check that you may write to the folder") from None

    def delete(self, paths: Sequence[str]) -> None:
        root = os.fspath(self.root)
        for path in paths:
            target = self._target(path)
            try:
                os.unlink(target)
            except FileNotFoundError:
                pass
            except IsADirectoryError:
                continue  # a folder the owner put where sitegen's file was: not sitegen's to remove
            except OSError as error:
                raise self._error(f"could not delete {path}: {error.strerror}") from None
            parent = os.path.dirname(target)
            while parent != root and parent.startswith(root):
                try:
                    os.rmdir(parent)  # only when empty: the owner's files keep their folder
                except OSError:
                    break
                parent = os.path.dirname(parent)

    def close(self) -> None:
        pass
