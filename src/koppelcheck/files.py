"""Atomic file writes: a reader, or a crash, never sees half a file.

Every file koppelcheck writes (reports, JUnit, HTML, bundles, the key file, docs) goes through
:func:`atomic_write_all`: a temporary file beside the target, synced, then renamed into place.

- An existing target that is not a regular file (a device such as ``/dev/null``, a FIFO, a
  socket) is refused with :class:`~koppelcheck.errors.InputError` (exit 2), never replaced.
- A folder that cannot be written (read-only, full, no permission) is an InputError (exit 2)
  naming the file, not an unexpected error: :func:`check_output_path` says so before a run.
- Ctrl-C, SIGTERM and SIGHUP during a write remove the temporary files; SIGTERM and SIGHUP then
  end the process with 128 + the signal's number, as their default action would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from koppelcheck.errors import InputError
from koppelcheck.i18n import Translator, os_reason, render

Writer = Callable[[Callable[[str], object]], None]
"""Content written piece by piece: called with a ``write(text)`` function (a report of thousands
of employers is streamed into its file, never held as one string)."""

STDOUT = "-"
"""An output path of ``-`` means standard output."""
_CLEANUP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class Terminated(SystemExit):
    """SIGTERM or SIGHUP arrived during a write: raised there, so the temporary files are
    removed on the way out, and the process exits with 128 + the signal's number."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


def is_stdout(path: str | os.PathLike[str] | None) -> bool:
    """Whether an output path is ``-`` (standard output)."""
    return path is not None and os.fspath(path) == STDOUT


def check_output_path(path: str | os.PathLike[str], field: str, lang: str | None = None) -> None:
    """InputError (exit 2) unless ``path`` can be written as a regular file: its folder exists
    and is writable, and it is absent or a regular file (``-`` is standard output: fine)."""
    if is_stdout(path):
        return

    t = Translator(lang)
    target = Path(path)
    try:
        info = target.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise InputError(
            field, t("core.input.unwritable", path=target, reason=_reason(exc, lang))
        ) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise InputError(field, t("core.input.is_folder", path=target))
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise InputError(field, t("core.input.not_regular", path=target), t("core.input.stdout"))
    folder = target.parent
    if not folder.is_dir():
        raise InputError(field, t("core.input.no_folder", path=folder))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(field, t("core.input.folder_read_only", path=folder))


def atomic_write(
    path: str | os.PathLike[str], data: str | bytes, *, mode: int = 0o644, lang: str | None = None
) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``.

    The temporary file gets ``mode`` before any byte is written, so a 0600 file is never readable
    by others, not even for a moment. On any failure (Ctrl-C, SIGTERM, SIGHUP included) the
    temporary file is removed and ``path`` is left as it was.
    """
    [target] = atomic_write_all([(path, data)], mode=mode, lang=lang)
    return target


def atomic_write_all(
    files: Sequence[tuple[str | os.PathLike[str], str | bytes | Writer]],
    *,
    mode: int = 0o644,
    lang: str | None = None,
) -> list[Path]:
    """Write several files all or nothing, each as :func:`atomic_write` does.

    A file's content is text, bytes, or a :data:`Writer` that writes it piece by piece into the
    temporary file (the same guarantees hold: nothing is in place until every file is whole).

    Every file is first written in full to a temporary file beside it; only then are they moved
    into place, one quick rename each. On any failure (Ctrl-C, SIGTERM, SIGHUP included) the
    temporary files are removed, and so is any file this call had already created: the folders
    hold what they held before (a file that existed keeps its old content, or gets the whole new
    one). A target that is not a regular file, or a folder that cannot be written, is an
    InputError (exit 2) naming the file, in ``lang``.
    """
    staged: list[tuple[str, Path, bool]] = []
    placed: list[tuple[Path, bool]] = []
    with _signals_clean_up():
        try:
            for path, data in files:
                target = Path(path)
                _refuse_non_regular(target, lang)
                staged.append((_stage(target, data, mode, lang), target, target.exists()))
            for tmp_name, target, existed in staged:
                _refuse_non_regular(target, lang)
                try:
                    os.replace(tmp_name, target)
                except OSError as exc:
                    raise _unwritable(target, exc, lang) from None
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


@contextlib.contextmanager
def _signals_clean_up() -> Iterator[None]:
    """While files are written, SIGTERM and SIGHUP raise :class:`Terminated` (so the ``except``
    above removes the temporary files) instead of ending the process on the spot."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(signum: int, _frame: object) -> None:
        raise Terminated(signum)

    previous: dict[int, object] = {}
    for signum in _CLEANUP_SIGNALS:
        with contextlib.suppress(ValueError, OSError):
            previous[signum] = signal.signal(signum, terminated)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(signum, handler)  # type: ignore[arg-type]


def _refuse_non_regular(target: Path, lang: str | None = None) -> None:
    """A device, FIFO or socket at ``target`` is refused (as root, replacing /dev/null would
    replace the system's node)."""
    try:
        info = os.stat(target)
    except OSError:
        return
    if not stat.S_ISREG(info.st_mode):
        t = Translator(lang)
        key = "core.input.is_folder" if stat.S_ISDIR(info.st_mode) else "core.input.not_regular"
        raise InputError(str(target), t(key, path=target), t("core.input.stdout"))


def _reason(exc: OSError, lang: str | None = None) -> str:
    return str(render(os_reason(exc), Translator(lang)))


def _unwritable(target: Path, exc: OSError, lang: str | None = None) -> InputError:
    """A write that the system refused (read-only, full, no permission): exit 2, naming it."""
    reason = _reason(exc, lang)
    return InputError(
        str(target), Translator(lang)("core.input.unwritable", path=target, reason=reason)
    )


def _utf8(text: str) -> bytes:
    # A lone surrogate cannot be UTF-8; it is written as U+FFFD rather than losing the file.
    return text.encode("utf-8", "replace")


def _stage(target: Path, data: str | bytes | Writer, mode: int, lang: str | None = None) -> str:
    """Write ``data`` to a new temporary file beside ``target`` (synced, mode set first)."""
    try:
        fd, tmp_name = tempfile.mkstemp(
            dir=target.parent or Path("."), prefix=f".{target.name}.", suffix=".tmp"
        )
    except OSError as exc:
        raise _unwritable(target, exc, lang) from None
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            if callable(data):
                data(lambda text: handle.write(_utf8(text)))
            else:
                handle.write(_utf8(data) if isinstance(data, str) else data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise _unwritable(target, exc, lang) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    return tmp_name
