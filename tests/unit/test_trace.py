"""koppelcheck.trace without sockets: the recording hook in the httpx factory and the redactor."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from koppelcheck import http
from koppelcheck.errors import InputError
from koppelcheck.secret import Secret, forget_known
from koppelcheck.trace import REMOVED, _Tally, recording, redact_body

NS = "https://api.nmbrs.nl/soap/v3/EmployeeService"
REQUEST = (
    f'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>'
    f'<AuthHeaderWithDomain xmlns="{NS}"><Username>a@b.nl</Username><Token>tok-1234567890</Token>'
    f"<Domain>voorbeeld</Domain></AuthHeaderWithDomain></s:Header><s:Body>"
    f'<PersonalInfo_GetCurrent xmlns="{NS}"><EmployeeId>503293</EmployeeId>'
    f"</PersonalInfo_GetCurrent></s:Body></s:Envelope>"
)
ANSWER = (
    f'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
    f'<PersonalInfo_GetCurrentResponse xmlns="{NS}"><PersonalInfo_GetCurrentResult>'
    f"<Id>503293</Id><BSN>900000002</BSN><FirstName>Johannes</FirstName>"
    f"<Birthday>1968-02-02T00:00:00</Birthday><EmailPrivate>j@x.nl</EmailPrivate>"
    f"<Remark>call 06-12345678 or NL91ABNA0417164300</Remark>"
    f"</PersonalInfo_GetCurrentResult></PersonalInfo_GetCurrentResponse></s:Body></s:Envelope>"
)


def test_soap_answer_is_redacted_by_field_and_by_form() -> None:
    tally = _Tally()
    text = redact_body(ANSWER, "text/xml", "response.body", tally)
    assert "<Id>503293</Id>" in text
    for value in ("900000002", "Johannes", "1968-02-02", "j@x.nl", "NL91ABNA0417164300"):
        assert value not in text
    assert "<Birthday>1900-01-01T00:00:00</Birthday>" in text
    assert "[REDACTED:name]" in text and "[REDACTED:bsn]" in text
    assert {kind for _, kind in tally.counts} == {"bsn", "name", "date-of-birth", "email", "iban"}


def test_soap_request_loses_its_auth_header() -> None:
    tally = _Tally()
    text = redact_body(REQUEST, "text/xml", "request.body", tally)
    assert "tok-1234567890" not in text and "a@b.nl" not in text
    assert "<EmployeeId>503293</EmployeeId>" in text
    assert ("request.body", "soap-header:AuthHeaderWithDomain") in tally.counts


def test_a_company_name_stays() -> None:
    body = f'<r xmlns="{NS}"><Company><Name>Bakkerij Jansen B.V.</Name></Company></r>'
    assert "Bakkerij Jansen B.V." in redact_body(body, "text/xml", "response.body", _Tally())


async def test_recording_hooks_the_factory_and_writes_on_exit(tmp_path) -> None:
    forget_known()
    secret = Secret("s3cret-value-that-must-go")

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"echo": request.headers.get("x-note", "")})

    path = tmp_path / "t.har"
    with recording(path) as recorder:
        assert recorder is not None and recorder.wrap in http.TRANSPORT_WRAPPERS
        client = http.make_async_client(
            timeout_s=5, per_host_limit=1, transport=httpx.MockTransport(answer)
        )
        async with client:
            await client.get(
                "https://127.0.0.1/x?token=abc&skip=0",
                headers={"Authorization": "Bearer abc", "X-Note": secret.reveal()},
            )
    assert http.TRANSPORT_WRAPPERS == []
    text = path.read_text(encoding="utf-8")
    log = json.loads(text)["log"]
    entry = log["entries"][0]
    assert entry["request"]["url"].endswith(
        f"token={REMOVED.replace('[', '%5B').replace(']', '%5D')}&skip=0"
    )
    assert all(h["name"].lower() != "authorization" for h in entry["request"]["headers"])
    assert secret.reveal() not in text  # the last line of defence
    assert any(r["kind"] == "known-secret" for r in log["_redactions"])
    assert entry["response"]["status"] == 200
    forget_known()


def test_a_trace_path_in_a_missing_folder_is_an_input_error(tmp_path) -> None:
    with pytest.raises(InputError) as caught, recording(tmp_path / "no" / "t.har"):
        pass
    assert caught.value.field == "trace"
    assert http.TRANSPORT_WRAPPERS == []


def test_trace_refuses_what_every_output_refuses(tmp_path: Path) -> None:
    """--trace goes through the same output-path check as every report file: a FIFO, a missing
    folder and standard output are refused with exit 2 before anything is sent."""
    import os

    from koppelcheck.trace import check_trace_path

    fifo = tmp_path / "fifo.har"
    os.mkfifo(fifo)
    for bad in (fifo, tmp_path / "missing" / "t.har", Path("-"), tmp_path):
        with pytest.raises(InputError) as caught:
            check_trace_path(bad, "en")
        assert caught.value.field == "trace"
    assert check_trace_path(tmp_path / "t.har", "en") == tmp_path / "t.har"
