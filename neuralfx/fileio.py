"""Safe file writing: atomic writes (a temporary file in the destination folder, then a rename),
scratch files beside an output, and recognising both when a killed run left them behind."""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once at import (single-threaded then): os.umask can only be read by setting it.
_FILE_MODE = 0o666 & ~_read_umask()

# ".<target name>.tmp-<tempfile's 8 random characters><suffix>"
_TEMPORARY_NAME = re.compile(r"^\..+\.tmp-[a-z0-9_]{8}(\.[A-Za-z0-9]+)?$")


def temporary_beside(path: Path, suffix: str) -> Path:
    """A new empty hidden file in `path`'s folder, named as `is_temporary` recognises; the caller
    deletes it (a temporary that outlives one step: a segment of a split render)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", suffix=suffix, dir=path.parent)
    os.close(fd)
    os.chmod(tmp, _FILE_MODE)  # mkstemp makes 0600; a normal file respects the umask
    return Path(tmp)


def is_temporary(name: str) -> bool:
    """Whether a file name is one of this module's temporaries (left behind by a killed run)."""
    return bool(_TEMPORARY_NAME.match(name))


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success rename it over `path`, else delete it.

    The temporary keeps the target's suffix, so that format-sniffing writers (soundfile) pick
    the right format. A crash leaves only a hidden `.<name>.tmp-*` file (see `is_temporary`).
    """
    path = Path(path)
    tmp = temporary_beside(path, path.suffix)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


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


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode())
