"""The batch HTML page in a real browser: headless Chromium runs its script and draws the matrix.

``--dump-dom`` gives the DOM after the script ran: the controls appear only when the CSP let the
inline script run (its hash matches), the address fragment pre-filters the rows, and with
JavaScript switched off every row stays visible. A screenshot, decoded by the small PNG reader
below (no Pillow), proves the fail and error colours were actually painted.

Chromium comes from Debian's ``chromium`` package, installed by the explicit step ``make browser``
(which ``.ci/run`` calls). When it is missing, these tests skip locally naming that step and fail
in CI.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from koppelcheck.report.batch_html import render_batch_html
from tests.conftest import RUNNING_IN_CI
from tests.unit.test_batch_renderers import sample_batch

pytestmark = pytest.mark.integration

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
RUN_TIMEOUT_S = 60
FAIL_RGB = (0xCF, 0x22, 0x2E)
ERROR_RGB = (0xBF, 0x39, 0x89)


def _find_chromium() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium executable. When missing: a failure in CI, locally a skip naming the fix."""
    path = _find_chromium()
    if path is None:
        if RUNNING_IN_CI:
            pytest.fail("Chromium is missing in CI: `make browser` must run before the tests")
        pytest.skip("Chromium is not installed; `make browser` installs it (Debian, as root)")
    return path


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample batch rendered to a file."""
    path = tmp_path_factory.mktemp("batch-html") / "batch.html"
    path.write_text(render_batch_html(sample_batch()), encoding="utf-8")
    return path


Browser = Callable[..., str]


@pytest.fixture
def browser(chromium: str, tmp_path: Path) -> Browser:
    """Run headless Chromium with a fresh profile: ``browser(*args, url) -> stdout``."""
    profiles = itertools.count()

    def run(*args: str) -> str:
        profile = tmp_path / f"profile-{next(profiles)}"
        profile.mkdir()
        done = subprocess.run(
            [chromium, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    return run


def _row_tags(dom: str) -> dict[str, str]:
    """The opening ``<tr>`` tag of each matrix row, by its ``data-employer``."""
    return {
        m["employer"]: m[0]
        for m in re.finditer(r'<tr [^>]*data-employer="(?P<employer>[^"]*)"[^>]*>', dom)
    }


def test_script_runs_under_the_csp_and_the_matrix_is_there(browser: Browser, page: Path) -> None:
    dom = browser("--dump-dom", page.as_uri())
    controls = re.search(r'<div id="controls"[^>]*>', dom)
    assert controls and "hidden" not in controls[0], "the inline script was blocked"
    assert "4 van 4 werkgevers getoond" in dom
    assert len(_row_tags(dom)) == 4
    assert len(re.findall(r'<td class="c s-fail"', dom)) == 2
    assert len(re.findall(r'<td class="c s-error"', dom)) == 1
    assert "<script>alert(1)</script>" not in dom.split("<script>", 1)[0]


def test_address_fragment_filters_rows(browser: Browser, page: Path) -> None:
    dom = browser("--dump-dom", page.as_uri() + "#q=JANSEN")
    rows = _row_tags(dom)
    assert "hidden" not in rows["bakkerij-jansen"]
    assert all("hidden" in tag for key, tag in rows.items() if key != "bakkerij-jansen")
    assert "1 van 4 werkgevers getoond" in dom
    dom = browser("--dump-dom", page.as_uri() + "#show=fail,error")
    shown = [key for key, tag in _row_tags(dom).items() if "hidden" not in tag]
    assert shown == ["bakkerij-jansen", "&lt;script&gt;alert(1)&lt;/script&gt;"]


def test_without_its_script_everything_is_visible(
    browser: Browser, page: Path, tmp_path: Path
) -> None:
    # Chromium's ``--dump-dom`` needs scripts on, so "no JavaScript" is made another way: in a
    # copy whose script differs by one comment the CSP hash no longer matches and the browser
    # must refuse to run it. The fragment would hide the failing employers if the script ran.
    tampered = tmp_path / "tampered.html"
    text = page.read_text(encoding="utf-8").replace("<script>", "<script>// changed\n", 1)
    tampered.write_text(text, encoding="utf-8")
    dom = browser("--dump-dom", tampered.as_uri() + "#show=pass")
    assert re.search(r'<div id="controls"[^>]*\bhidden\b', dom), "a changed script still ran"
    rows = _row_tags(dom)
    assert len(rows) == 4 and not any("hidden" in tag for tag in rows.values())
    dom = browser("--dump-dom", page.as_uri() + "#show=pass")
    assert "hidden" in _row_tags(dom)["bakkerij-jansen"]  # the intact script does filter


def test_screenshot_paints_the_status_colours(browser: Browser, page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "batch.png"
    browser(f"--screenshot={shot}", "--window-size=1400,900", "--hide-scrollbars", page.as_uri())
    width, height, pixels = decode_png(shot.read_bytes())
    assert (width, height) == (1400, 900)
    fail = count_near(pixels, FAIL_RGB)
    error = count_near(pixels, ERROR_RGB)
    # two failing cells of about 34 × 28 px each, plus the tile's border and text
    assert fail > 1500, f"only {fail} pixels in the fail colour"
    assert error > 600, f"only {error} pixels in the error colour"
    assert count_near(pixels, (255, 255, 255)) > width * height // 2  # a page, not a blank


# --- a small PNG reader: 8-bit RGB/RGBA, not interlaced (what Chromium writes) -----------------


def decode_png(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Width, height and the RGB pixels (row by row) of a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, idat, header = 8, bytearray(), b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        position += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
    channels = 3 if colour == 2 else 4
    rows = _unfilter(zlib.decompress(bytes(idat)), width * channels, height, channels)
    pixels = [
        (row[i], row[i + 1], row[i + 2]) for row in rows for i in range(0, len(row), channels)
    ]
    return width, height, pixels


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _unfilter(raw: bytes, stride: int, height: int, bpp: int) -> list[bytearray]:
    """Reverse the per-row PNG filters (None, Sub, Up, Average, Paeth)."""
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, row = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            for i in range(bpp, stride):
                row[i] = (row[i] + row[i - bpp]) & 0xFF
        elif kind == 2:
            row = bytearray((x + p) & 0xFF for x, p in zip(row, previous, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = row[i - bpp] if i >= bpp else 0
                row[i] = (row[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                left = row[i - bpp] if i >= bpp else 0
                up_left = previous[i - bpp] if i >= bpp else 0
                row[i] = (row[i] + _paeth(left, previous[i], up_left)) & 0xFF
        else:
            assert kind == 0, f"unknown PNG filter {kind}"
        rows.append(row)
        previous = row
    return rows


def count_near(
    pixels: list[tuple[int, int, int]], rgb: tuple[int, int, int], slack: int = 6
) -> int:
    """How many pixels lie within ``slack`` of ``rgb`` in every channel."""
    r, g, b = rgb
    return sum(
        1
        for pr, pg, pb in pixels
        if abs(pr - r) <= slack and abs(pg - g) <= slack and abs(pb - b) <= slack
    )
