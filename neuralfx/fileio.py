"""Safe file writing and reading.

Writing: atomic writes (a temporary file in the destination folder, flushed to disk, then a
rename) that only ever replace regular files, scratch files beside an output, and recognising
both when a killed run left them behind. Reading files that may be hostile: only regular files,
size-capped before reading, and JSON bounded in nesting.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once at import (single-threaded then): os.umask can only be read by setting it.
_FILE_MODE = 0o666 & ~_read_umask()

# ".<target name>.neuralfx.tmp-<tempfile's 8 random characters><suffix>": "neuralfx" keeps a
# user's own hidden files (".session.tmp-20240101.txt") from ever being taken for ours.
_TEMPORARY_MARK = ".neuralfx.tmp-"
_TEMPORARY_NAME = re.compile(r"^\..+" + re.escape(_TEMPORARY_MARK) + r"[a-z0-9_]{8}(\.[A-Za-z0-9]+)?$")

MAX_JSON_DEPTH = 64
"""The deepest nesting of arrays and objects read from a JSON file (ours nest 4 deep)."""


def temporary_beside(path: Path, suffix: str) -> Path:
    """A new empty hidden file in `path`'s folder, named as `is_temporary` recognises; the caller
    deletes it (a temporary that outlives one step: a segment of a split render)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}{_TEMPORARY_MARK}", suffix=suffix, dir=path.parent)
    os.close(fd)
    os.chmod(tmp, _FILE_MODE)  # mkstemp makes 0600; a normal file respects the umask
    return Path(tmp)


def is_temporary(name: str) -> bool:
    """Whether a file name is one of this module's temporaries (left behind by a killed run)."""
    return bool(_TEMPORARY_NAME.match(name))


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success flush it to disk and rename it over
    `path`, else delete it.

    The temporary keeps the target's suffix, so that format-sniffing writers (soundfile) pick
    the right format. A crash or a power cut leaves `path` as it was, and at worst a hidden
    `.<name>.neuralfx.tmp-*` file (see `is_temporary`). Raises ValueError, before and after
    writing, if `path` names something other than a regular file (a device, a pipe, a folder):
    only files are ever replaced.
    """
    path = Path(path)
    check_replaceable(path)
    tmp = temporary_beside(path, path.suffix)
    try:
        yield tmp
        _fsync(tmp)
        check_replaceable(path)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync(path.parent, directory=True)  # the rename itself survives a power cut


def check_replaceable(path: Path) -> None:
    """Raise ValueError if `path` exists and is not a regular file (or a link to one)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        raise ValueError(
            f"{path} is not a regular file (a device, pipe or folder): refusing to replace it; choose a file name"
        )


def _fsync(path: Path, directory: bool = False) -> None:
    """Flush a file's (or a folder's entries') data to the disk."""
    if directory and not hasattr(os, "O_DIRECTORY"):
        return  # Windows cannot open folders; NTFS journals renames
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def scratch_path(beside: Path, suffix: str) -> Iterator[Path]:
    """Yield a temporary file in `beside`'s folder, named like atomic_path's, deleted on exit."""
    tmp = temporary_beside(Path(beside), suffix)
    try:
        yield tmp
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (the same path, or links to one file)."""
    a, b = Path(a), Path(b)
    return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))


def check_regular_file(path: Path, limit: int, what: str) -> int:
    """The size of `path` in bytes. Raises ValueError unless it is a regular file of at most
    `limit` bytes: a FIFO would block its reader forever and a device may never end."""
    info = os.stat(path)  # follows symlinks: the file that would be read
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"not a regular file (a pipe, device or folder): {what} must be a file")
    if info.st_size > limit:
        raise ValueError(f"{info.st_size} bytes is too large for {what} (at most {limit})")
    return info.st_size


def read_capped(path: Path, limit: int, what: str) -> bytes:
    """A regular file's bytes, refused before reading when it is larger than `limit`."""
    check_regular_file(path, limit, what)
    with open(path, "rb") as file:
        data = file.read(limit + 1)
    if len(data) > limit:  # it grew meanwhile
        raise ValueError(f"the file is too large for {what} (at most {limit} bytes)")
    return data


def read_json(path: Path, limit: int, what: str) -> Any:
    """The JSON value in a regular file of at most `limit` bytes (see `read_capped`, `parse_json`).
    Raises OSError or ValueError."""
    return parse_json(read_capped(path, limit, what), what)


def parse_json(text: str | bytes, what: str) -> Any:
    """Parse JSON that may be hostile: raises ValueError (never RecursionError) for text that is
    not UTF-8 JSON, or that nests arrays and objects deeper than MAX_JSON_DEPTH."""
    try:
        value = json.loads(text)
    except UnicodeDecodeError:
        raise ValueError(f"{what} must be UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{what} is not valid JSON ({exc})") from None
    except RecursionError:
        raise ValueError(f"{what} nests arrays or objects too deeply (at most {MAX_JSON_DEPTH})") from None
    _check_depth(value, what)
    return value


def _check_depth(value: Any, what: str) -> None:
    # Iterative: what copies or walks the value later recurses, and must not overflow the stack.
    level = [value]
    for _ in range(MAX_JSON_DEPTH):
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            return
    if any(isinstance(item, dict | list) for item in level):
        raise ValueError(f"{what} nests arrays or objects too deeply (at most {MAX_JSON_DEPTH})")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically (see `atomic_path`)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode())
