"""A batch's results streamed to a temporary store and its reports written from there.

The batch command keeps no employer's report in memory: each goes to a ``BatchStore`` (one JSON
line in a temporary file) and every report is written from the store one employer at a time.
These tests hold the streamed reports to the ones rendered from a report held in memory, byte for
byte, for a mixed fleet.
"""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest

from koppelcheck.batch import shard as shard_module
from koppelcheck.batch.shard import iter_batch_report, read_batch_report
from koppelcheck.batch.store import BatchStore, MemoryLines
from koppelcheck.errors import InputError
from koppelcheck.i18n import Text, Translator
from koppelcheck.models import EmployerReport, Fix, Status
from koppelcheck.report.batch_html import render_batch_html, write_batch_html
from koppelcheck.report.batch_text import render_batch_text
from koppelcheck.report.github import batch_annotations, step_summary_markdown
from koppelcheck.report.json import render_batch_json, write_batch_json
from koppelcheck.report.junit import render_batch_junit, write_batch_junit
from koppelcheck.report.markdown import render_batch_markdown, write_batch_markdown
from tests.unit.test_batch_renderers import batch_of, check, employer, sample_batch


def mixed_batch():
    """Nmbrs and AFAS, pass/fail/error/warn/skip/manual, a run that did not complete (exit 3),
    control and bidi characters, Markdown and HTML syntax in messages, many healthy ones."""
    lines = list(sample_batch().employers)
    not_run = employer(
        "niet-gedraaid",
        "nmbrs",
        [
            check(
                "nmbrs.auth",
                Status.ERROR,
                'x\u202e\x1b[31m | *y* <b> & "q"',
                fix=Fix(text="Doe | dit", links=["https://a.example/c d"]),
            )
        ],
    ).model_copy(update={"exit_code": 3})
    manual = employer(
        "handwerk-ë",
        "afas",
        [
            check("afas.step.2", Status.MANUAL, "m", confirmed=False),
            check("afas.step.10", Status.MANUAL, "m2", confirmed=True),
            check("afas.skip", Status.SKIP, "s"),
            check("afas.warn", Status.WARN, "w", fix=Fix(text="fix")),
        ],
    )
    healthy = [employer(f"e{n}", "nmbrs", [check("nmbrs.auth", Status.PASS)]) for n in range(5)]
    lines = [*lines[:2], not_run, *lines[2:], manual, *healthy]
    return batch_of([line.model_copy(update={"line": 3 + 4 * n}) for n, line in enumerate(lines)])


def streamed(batch, folder: Path | None = None) -> BatchStore:
    """``batch``'s employers put into a store in a shuffled order, as they finish in a run."""
    store = BatchStore(order=[line.id for line in batch.employers], folder=folder)
    shuffled = list(batch.employers)
    random.Random(7).shuffle(shuffled)
    for line in shuffled:
        store.append(line)
    return store.with_header(batch)


def written(write, source, **options) -> str:
    out = io.StringIO()
    write(source, out.write, **options)
    return out.getvalue()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_report_from_the_stream_equals_the_report_held_in_memory(lang: str) -> None:
    batch = mixed_batch()
    with streamed(batch) as store:
        assert written(write_batch_json, store) == render_batch_json(batch)
        assert written(write_batch_junit, store, lang=lang) == render_batch_junit(batch, lang=lang)
        assert written(write_batch_markdown, store, lang=lang) == render_batch_markdown(
            batch, lang=lang
        )
        assert written(write_batch_html, store, lang=lang) == render_batch_html(batch, lang=lang)
        for encoding, color in (("utf-8", False), ("ascii", True)):
            assert render_batch_text(
                store, lang=lang, encoding=encoding, color=color
            ) == render_batch_text(batch, lang=lang, encoding=encoding, color=color)
        for limit in range(6):
            assert batch_annotations(store, limit, lang=lang) == batch_annotations(
                batch, limit, lang=lang
            )
        for max_bytes in (300, 700, 1100, 1500, 2500, 1 << 20):
            assert step_summary_markdown(store, lang, max_bytes=max_bytes) == (
                step_summary_markdown(batch, lang, max_bytes=max_bytes)
            )


def test_the_streamed_json_report_is_the_report_and_lists_employers_in_file_order() -> None:
    batch = mixed_batch()
    with streamed(batch) as store:
        document = json.loads(written(write_batch_json, store))
        assert [e["id"] for e in document["employers"]] == [line.id for line in batch.employers]
        assert store.to_report() == batch


def test_an_empty_batch_streams_as_it_renders() -> None:
    batch = batch_of([])
    with BatchStore().with_header(batch) as store:
        assert written(write_batch_json, store) == render_batch_json(batch)
        assert written(write_batch_junit, store) == render_batch_junit(batch)
        assert written(write_batch_html, store) == render_batch_html(batch)
        assert written(write_batch_markdown, store) == render_batch_markdown(batch)


def test_the_store_keeps_no_employer_in_memory_and_leaves_no_file(tmp_path: Path) -> None:
    batch = mixed_batch()
    store = streamed(batch, folder=tmp_path)
    # What it holds per employer: its place, its outcome, where its line is; not the report.
    assert not any(isinstance(v, EmployerReport) for v in vars(store).values())
    assert list(tmp_path.iterdir()) == []  # an anonymous file: nothing to find or leave
    assert store.outcomes()[0] is Status.PASS and len(store) == len(batch.employers)
    store.close()
    assert list(tmp_path.iterdir()) == []


def test_an_employer_stored_twice_is_refused() -> None:
    batch = mixed_batch()
    with BatchStore() as store:
        store.append(batch.employers[0])
        with pytest.raises(ValueError, match="twice"):
            store.append(batch.employers[0])


def test_without_an_order_the_store_lists_employers_by_their_line() -> None:
    batch = mixed_batch()
    with BatchStore() as store:
        for line in reversed(batch.employers):
            store.append(line)
        assert [line.id for line in store.employers()] == [line.id for line in batch.employers]


def test_memory_lines_and_the_store_agree_on_who_needs_attention() -> None:
    batch = mixed_batch()
    memory = MemoryLines(batch)
    with streamed(batch) as store:
        assert [e.id for e in store.needing_attention()] == [
            e.id for e in memory.needing_attention()
        ]
        assert store.tally() == memory.tally()
        assert store.stats == memory.stats


def test_a_report_file_is_read_in_small_chunks_as_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = mixed_batch()
    path = tmp_path / "r.json"
    path.write_text(render_batch_json(batch), encoding="utf-8")
    monkeypatch.setattr(shard_module._JsonStream, "_CHUNK", 5)  # numbers cut at every place
    assert read_batch_report(path, "resume") == batch
    # Compact JSON, the employers first: the same report.
    compact = batch.model_dump(mode="json", by_alias=True)
    compact = {"employers": compact.pop("employers"), **compact}
    path.write_text(json.dumps(compact, separators=(",", ":")), encoding="utf-8")
    assert read_batch_report(path, "resume") == batch


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{", "input.shard.not_json"),
        ('{"schema": "koppelcheck.batch/v1", "employers": [}', "input.shard.not_json"),
        ("[1, 2]", "input.shard.not_batch_report"),
        ('{"schema": "koppelcheck.report/v1", "employers": [1]}', "input.shard.not_batch_report"),
        ('{"schema": "koppelcheck.batch/v1", "employers": []} x', "input.shard.not_json"),
        ('{"schema": "koppelcheck.batch/v1", "employers": [{"id": 1}]}', "input.shard.schema"),
    ],
)
def test_a_file_that_is_no_batch_report_is_refused_naming_it(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "r.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        list(iter_batch_report(path, "resume", []))
    message = caught.value.texts[0]
    assert caught.value.field == "resume"
    assert isinstance(message, Text) and message.key == expected, caught.value
    if expected == "input.shard.schema":
        assert message.params["where"].startswith("employers.0.")


def test_a_full_temporary_folder_is_an_input_error_naming_it(tmp_path: Path) -> None:
    class Full(io.BytesIO):
        def write(self, data: object) -> int:
            raise OSError(28, "No space left on device")

    with BatchStore(folder=tmp_path) as store:
        store._file = Full()
        with pytest.raises(InputError) as caught:
            store.append(mixed_batch().employers[0])
    assert caught.value.field == "TMPDIR"
    assert str(tmp_path) in caught.value.message
    assert Translator("en")("core.os.disk_full") in caught.value.said(Translator("en"))[0]
    with pytest.raises(InputError, match="TMPDIR"):
        BatchStore(folder=tmp_path / "absent")
