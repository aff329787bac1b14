"""Atomic file writes: a reader, or a crash, never sees half a file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path


def atomic_write(path: str | os.PathLike[str], data: str | bytes, *, mode: int = 0o644) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``.

    The temporary file gets ``mode`` before any byte is written, so a 0600 file is never readable
    by others, not even for a moment. On any failure (Ctrl-C included) the temporary file is removed
    and ``path`` is left as it was.
    """
    [target] = atomic_write_all([(path, data)], mode=mode)
    return target


def atomic_write_all(
    files: Sequence[tuple[str | os.PathLike[str], str | bytes]], *, mode: int = 0o644
) -> list[Path]:
    """Write several files all or nothing, each as :func:`atomic_write` does.

    Every file is first written in full to a temporary file beside it; only then are they moved
    into place, one quick rename each. On any failure (Ctrl-C included) the temporary files are
    removed, and so is any file this call had already created: the folders hold what they held
    before (a file that existed keeps its old content, or gets the whole new one).
    """
    staged: list[tuple[str, Path, bool]] = []
    placed: list[tuple[Path, bool]] = []
    try:
        for path, data in files:
            target = Path(path)
            staged.append((_stage(target, data, mode), target, target.exists()))
        for tmp_name, target, existed in staged:
            os.replace(tmp_name, target)
            placed.append((target, existed))
    except BaseException:
        for tmp_name, _, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
        for target, existed in placed:
            if not existed:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(target)
        raise
    return [target for _, target, _ in staged]


def _stage(target: Path, data: str | bytes, mode: int) -> str:
    """Write ``data`` to a new temporary file beside ``target`` (synced, mode set first)."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp_name = tempfile.mkstemp(
        dir=target.parent or Path("."), prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    return tmp_name
