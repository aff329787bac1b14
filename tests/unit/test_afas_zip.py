"""Connector ids from a.s.r.'s ZIP, and the combined expected list."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from koppelcheck.afas import connectors_zip
from koppelcheck.afas.connectors_zip import connector_id_of, expected_connectors, read_connector_ids
from koppelcheck.errors import InputError


def make_zip(tmp_path: Path, names: list[str], name: str = "bp.zip") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in names:
            archive.writestr(entry, "" if entry.endswith("/") else "<AfasGetConnector/>")
    return path


def test_ids_come_from_gcn_and_xml_names_at_any_depth(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path,
        [
            "BP_Werknemers.gcn",
            "connectoren/",
            "connectoren/BP_Dienstverbanden.GCN",
            "connectoren/sub/BP_Salarissen.xml",
            "__MACOSX/connectoren/._BP_Salarissen.xml",
            "connectoren/.DS_Store",
            ".hidden/BP_Geheim.gcn",
            "LEESMIJ.txt",
            "BP_Werknemers.xml",
        ],
    )
    assert read_connector_ids(path) == ("BP_Werknemers", "BP_Dienstverbanden", "BP_Salarissen")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a/b/C_D.gcn", "C_D"),
        ("C.D.xml", "C.D"),
        ("x.txt", None),
        ("dir/", None),
        ("__MACOSX/a.gcn", None),
        (".a.gcn", None),
        ("a\\b\\Win.gcn", "Win"),
        (".gcn", None),
    ],
)
def test_connector_id_of(name: str, expected: str | None) -> None:
    assert connector_id_of(name) == expected


def test_zip_without_connectors_is_an_input_error(tmp_path: Path) -> None:
    path = make_zip(tmp_path, ["readme.txt", "__MACOSX/._x.gcn"])
    with pytest.raises(InputError) as caught:
        read_connector_ids(path)
    assert caught.value.field == "connectors_zip"


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04broken"])
def test_unreadable_zip_is_an_input_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.zip"
    path.write_bytes(content)
    with pytest.raises(InputError):
        read_connector_ids(path)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="niet gevonden"):  # Dutch, the default
        read_connector_ids(tmp_path / "nope.zip")


def test_zip_bomb_is_refused_without_unpacking(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(connectors_zip, "MAX_UNCOMPRESSED_BYTES", 1000)
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("BP_Big.gcn", b"0" * 5000)
    assert path.stat().st_size < 1000
    with pytest.raises(InputError, match="50 MB"):
        read_connector_ids(path)


def test_real_50_mb_limit(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("BP_Big.gcn", b"\0" * (51 * 1024 * 1024))
    with pytest.raises(InputError):
        read_connector_ids(path)


def test_expected_connectors_merges_flags_and_zip(tmp_path: Path) -> None:
    path = make_zip(tmp_path, ["BP_A.gcn", "BP_B.gcn"])
    assert expected_connectors(["BP_B", " BP_C "], path) == ("BP_B", "BP_C", "BP_A")
    assert expected_connectors() == ()


@pytest.mark.parametrize("bad", ["", "  ", "BP A", "BP/A"])
def test_bad_connector_flag_is_an_input_error(bad: str) -> None:
    with pytest.raises(InputError) as caught:
        expected_connectors([bad])
    assert caught.value.field == "connector"
