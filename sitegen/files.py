"""Files on disk written whole or not at all: the one atomic write (a new file beside the target, then a
rename); and the one lock a process holds on a folder it works in (a build's staging folder, the dev server's cache).

write_site() writes pages with it, the cache its memos and `sitegen ping` its list of pending
feeds. It sits below every step (the cache is handed to most of them), so it knows none of them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import BinaryIO


def write_atomically(target: str | os.PathLike, data: bytes | Callable[[BinaryIO], object], *, mode: int = 0o644) -> os.stat_result:
    """Replace target with data, atomically: readers see the old file or the new one, never part of it.

    data is the bytes, or a function that writes them to the open file (a pickle stream, a copy).
    Returns the new file's status. Plain os calls: a cold build writes thousands of files, and
    pathlib's and tempfile's conveniences were a third of the writing time.
    """
    name = os.fspath(target)
    folder, base = os.path.split(name)
    temporary = os.path.join(folder, f".{base}.{os.getpid()}.tmp")
    try:
        if isinstance(data, (bytes, bytearray, memoryview)):
            status = write_new_file(temporary, data, mode=mode)
        else:
            with os.fdopen(create_new_file(temporary, mode=mode), "wb") as file:
                data(file)
                file.flush()
                status = os.fstat(file.fileno())
        os.replace(temporary, name)  # the status stays true: renaming changes neither size nor time
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    return status


def create_new_file(path: str, *, mode: int = 0o644) -> int:
    """A new, empty file at path with this mode, open for writing; its folders are made when missing."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        handle = os.open(path, flags, mode)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handle = os.open(path, flags, mode)
    except FileExistsError:  # a temporary file left by a killed build that had this process id
        os.unlink(path)
        handle = os.open(path, flags, mode)
    os.fchmod(handle, mode)  # whatever the umask: a site is meant to be read by the web server
    return handle


def write_new_file(path: str, data: bytes, *, mode: int = 0o644) -> os.stat_result:
    """Write data to a new file at path (see create_new_file); returns its status once written."""
    handle = create_new_file(path, mode=mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(handle, view) :]
        return os.fstat(handle)
    finally:
        os.close(handle)


def hold_lock(path: str | os.PathLike) -> int | None:
    """An open descriptor of the file at path (made if missing) holding its exclusive lock (flock) until
    it is closed; None when another process holds the lock, or the platform has no flock (Windows)."""
    try:
        import fcntl
    except ImportError:
        return None
    handle = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(handle)
        return None
    return handle
