"""The GetConnector ids in the ZIP a.s.r. sends (manual Stap 1).

Every entry whose name ends in ``.gcn`` or ``.xml`` (any folder depth) is one GetConnector
export; its id is the file name without the extension. ``__MACOSX/`` folders and dotfiles are
ignored. Only the ZIP's directory is read: no entry is decompressed.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from koppelcheck.errors import InputError
from koppelcheck.i18n import Text

ZIP_FIELD = "connectors_zip"
CONNECTOR_SUFFIXES = (".gcn", ".xml")
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024


def read_connector_ids(path: str | Path, field: str = ZIP_FIELD) -> tuple[str, ...]:
    """The connector ids in the ZIP at ``path``, in ZIP order without duplicates.

    An unreadable ZIP, one that would unpack to more than 50 MB, or one without connector
    files is an :class:`InputError`.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except FileNotFoundError:
        raise InputError(field, Text("input.file.not_found", path=path)) from None
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(
            field,
            Text("input.zip.unreadable", path=path, reason=type(exc).__name__),
            Text("input.zip.unchanged"),
        ) from None
    if sum(entry.file_size for entry in entries) > MAX_UNCOMPRESSED_BYTES:
        raise InputError(
            field,
            Text("input.zip.too_large", path=path, mb=50),
            Text("input.zip.too_large_hint"),
        )
    ids = list(dict.fromkeys(i for e in entries if (i := connector_id_of(e.filename))))
    if not ids:
        raise InputError(
            field,
            Text("input.zip.no_connectors", path=path),
            Text("input.zip.no_connectors_hint"),
        )
    return tuple(ids)


def connector_id_of(name: str) -> str | None:
    """The connector id for one ZIP entry name, or None when the entry is not a connector file."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if not parts or name.endswith("/") or "__MACOSX" in parts:
        return None
    if any(part.startswith(".") for part in parts):
        return None
    file_name = parts[-1]
    stem, dot, suffix = file_name.rpartition(".")
    if not dot or f".{suffix.lower()}" not in CONNECTOR_SUFFIXES:
        return None
    return stem.strip() or None


def expected_connectors(
    flags: list[str] | tuple[str, ...] = (), zip_path: str | Path | None = None
) -> tuple[str, ...]:
    """The GetConnectors that must be reachable: ``--connector`` values, then the ZIP's ids."""
    ids: list[str] = []
    for value in flags:
        cleaned = value.strip()
        if not cleaned or any(
            ch.isspace() or ch in "/?#&" or not ch.isprintable() for ch in cleaned
        ):
            raise InputError(
                "connector",
                Text("input.afas.connector", value=repr(value)),
                Text("input.afas.connector_hint"),
            )
        ids.append(cleaned)
    if zip_path is not None:
        ids.extend(read_connector_ids(zip_path))
    return tuple(dict.fromkeys(ids))
