"""Hostile answers over real loopback sockets cost one check, never a report, a secret or the
machine (issue: "Hostile answers and local faults never cost a report, a secret or the machine").

A :class:`~tests.integration.hostile_server.HostileServer` serves a simulator's genuine answers,
except for one call, which gets the hostile answer. Each test runs the CLI with every report
format and checks: the hostile check is ``error`` with one line, every other check completed,
every report file was written, exit 4, no traceback, and no fragment of the token anywhere.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from koppelcheck.cli.app import app
from koppelcheck.http import MAX_ANSWER_BYTES
from koppelcheck.secret import FRAGMENT
from koppelcheck.simulator.afas import AfasSimulator, load_afas_scenario
from koppelcheck.simulator.nmbrs import NmbrsSimulator, load_nmbrs_scenario
from koppelcheck.simulator.server import SimRequest
from tests.integration.hostile_server import (
    Hostile,
    HostileServer,
    endless,
    gzip_bomb,
    repeated,
)
from tests.property.test_remote_answers import fault_envelope

pytestmark = pytest.mark.integration
runner = CliRunner()

AFAS_TARGET = "BP_Salarissen"
NMBRS_TARGET = "Address_GetListCurrent"
GZIP_BOMB = gzip_bomb(256 << 20)  # 256 MiB of zeros in about 256 KB


def afas_pick(hostile: Hostile, path_end: str = f"/connectors/{AFAS_TARGET}") -> Callable:
    return lambda request: hostile if request.path.endswith(path_end) else None


def nmbrs_pick(hostile: Hostile, action: str = NMBRS_TARGET) -> Callable:
    return lambda request: hostile if action in request.header("soapaction") else None


def run(
    system: str, pick: Callable[[SimRequest], Hostile | None], tmp_path: Path, fmt: str = "json"
) -> tuple[Result, dict[str, str], str]:
    """Run ``koppelcheck <system>`` against a hostile server; (result, report files, token)."""
    files = {kind: tmp_path / f"report.{kind}" for kind in ("json", "junit", "html")}
    outputs = [arg for kind, path in files.items() for arg in (f"--{kind}", str(path))]
    common = ["--no-input", "--timeout", "5", "--format", fmt, "--lang", "en", *outputs]
    if system == "afas":
        simulator: Any = AfasSimulator(load_afas_scenario("healthy"))
        scenario = simulator.scenario
        token = scenario.token_data
        connectors = [arg for c in scenario.connectors for arg in ("--connector", c.id)]
        with HostileServer(simulator, pick) as server:
            result = runner.invoke(
                app,
                [
                    "afas",
                    *("--environment-id", scenario.envid, *connectors),
                    *("--base-url", f"{server.base_url}/ProfitRestServices", *common),
                ],
                env={"KOPPELCHECK_AFAS_TOKEN": token},
            )
            assert server.hostile_hits >= 1
    else:
        simulator = NmbrsSimulator(load_nmbrs_scenario("healthy"))
        scenario = simulator.scenario
        token = scenario.token
        with HostileServer(simulator, pick) as server:
            result = runner.invoke(
                app,
                [
                    "nmbrs",
                    *("--username", scenario.username, "--domain", scenario.domain),
                    *("--base-url", f"{server.base_url}/soap/v3", *common),
                ],
                env={"KOPPELCHECK_NMBRS_TOKEN": token},
            )
            assert server.hostile_hits >= 1
    written = {kind: path.read_text(encoding="utf-8") for kind, path in files.items()}
    return result, written, token


def fragments(secret: str) -> set[str]:
    """Every run of FRAGMENT characters of ``secret``, lower case."""
    folded = secret.lower()
    return {folded[i : i + FRAGMENT] for i in range(len(folded) - FRAGMENT + 1)}


def assert_no_fragment(secret: str, *texts: str) -> None:
    for text in texts:
        folded = text.lower()
        leaked = [f for f in fragments(secret) if f in folded]
        assert not leaked, f"{len(leaked)} fragments of the token leaked, e.g. {leaked[:3]}"


def assert_one_check_errored(
    result: Result, files: dict[str, str], check_suffix: str, reason: str
) -> dict[str, Any]:
    """The contract of a hostile answer: that check is error with one line, nothing else
    errored, every report written, exit 4, no traceback. Returns the hostile check."""
    assert result.exit_code == 4, result.output
    assert "Traceback" not in result.output and "unexpected error" not in result.stderr
    report = json.loads(files["json"])
    hostile = [c for c in report["checks"] if c["id"].endswith(check_suffix)]
    assert len(hostile) == 1, [c["id"] for c in report["checks"]]
    check = hostile[0]
    assert check["status"] == "error", check
    assert "\n" not in check["message"] and reason in check["message"], check["message"]
    others = [c for c in report["checks"] if c is not check and c["status"] == "error"]
    assert others == [], others
    assert "<testsuite" in files["junit"] and "</html>" in files["html"]
    assert check_suffix in files["junit"] and check_suffix in files["html"]
    return check


# --- 1. Retry-After past int()'s digit limit -----------------------------------------------------


@pytest.mark.parametrize("system", ["afas", "nmbrs"])
def test_a_retry_after_of_5000_digits_costs_one_check_not_the_report(
    system: str, tmp_path: Path
) -> None:
    hostile = Hostile(503, {"Retry-After": "9" * 5000, "Content-Type": "text/plain"}, b"busy")
    pick = afas_pick(hostile) if system == "afas" else nmbrs_pick(hostile)
    result, files, _ = run(system, pick, tmp_path)
    target = AFAS_TARGET if system == "afas" else NMBRS_TARGET
    check = assert_one_check_errored(result, files, target, "503")
    assert "Retry-After" in check["message"] and "9" * 20 not in check["message"]


def test_a_retry_after_of_5000_digits_in_a_batch_keeps_every_employers_report(
    tmp_path: Path,
) -> None:
    scenario = load_afas_scenario("healthy")
    hostile = Hostile(503, {"Retry-After": "9" * 5000}, b"busy")
    with (
        HostileServer(AfasSimulator(scenario), afas_pick(hostile)) as bad,
        HostileServer(AfasSimulator(scenario), lambda _request: None) as good,
    ):
        connectors = ", ".join(f'"{c.id}"' for c in scenario.connectors)
        batch = tmp_path / "batch.toml"
        batch.write_text(
            "".join(
                f'[[employer]]\nid = "{name}"\nsystem = "afas"\nenvironment_id = '
                f'"{scenario.envid}"\nconnectors = [{connectors}]\ntoken_env = "AFAS_TOKEN"\n'
                f'base_url = "{server.base_url}/ProfitRestServices"\n\n'
                for name, server in (("hostile", bad), ("healthy", good))
            ),
            encoding="utf-8",
        )
        junit = tmp_path / "batch.xml"
        result = runner.invoke(
            app,
            ["batch", str(batch), "--format", "json", "--junit", str(junit), "--lang", "en"],
            env={"AFAS_TOKEN": scenario.token_data},
        )
    assert result.exit_code == 4, result.output
    assert "Traceback" not in result.output and "unexpected error" not in result.stderr
    employers = {e["id"]: e for e in json.loads(result.stdout)["employers"]}
    assert employers["healthy"]["exit_code"] == 0 and employers["hostile"]["exit_code"] == 4
    assert junit.read_text(encoding="utf-8").count("<testsuite ") == 2


# --- 2. an echoed token, near the cut, in any case -----------------------------------------------


@pytest.mark.parametrize("before_cut", [2, 8, 62])
@pytest.mark.parametrize("case", [str, str.lower, str.upper])
def test_a_token_echoed_by_afas_never_leaks(
    before_cut: int, case: Callable, tmp_path: Path
) -> None:
    token = load_afas_scenario("healthy").token_data
    echoed = case(token)
    body = json.dumps(
        {
            "externalMessage": "x" * (300 - before_cut) + echoed + " (your token)",
            "profitLogReference": "r" * (300 - before_cut) + echoed,
        }
    ).encode()
    hostile = Hostile(500, {"Content-Type": "application/json"}, body)
    result, files, token = run("afas", afas_pick(hostile), tmp_path)
    assert_one_check_errored(result, files, AFAS_TARGET, "")
    assert_no_fragment(token, result.stdout, result.stderr, *files.values())


@pytest.mark.parametrize("before_cut", [2, 30])
@pytest.mark.parametrize("case", [str.lower, str.upper])
def test_a_token_echoed_in_an_nmbrs_fault_never_leaks(
    before_cut: int, case: Callable, tmp_path: Path
) -> None:
    token = load_nmbrs_scenario("healthy").token
    text = "Server was unable to process request. ---> 1001: " + "y" * (200 - before_cut)
    hostile = Hostile(
        500,
        {"Content-Type": "text/xml; charset=utf-8"},
        fault_envelope(text + case(token) + " <Token>" + case(token) + "</Token>"),
    )
    result, files, token = run("nmbrs", nmbrs_pick(hostile), tmp_path)
    assert result.exit_code in (1, 4), result.output
    assert "Traceback" not in result.output
    assert_no_fragment(token, result.stdout, result.stderr, *files.values())


def test_the_afas_authorization_header_echoed_never_leaks(tmp_path: Path) -> None:
    import base64

    scenario = load_afas_scenario("healthy")
    header = base64.b64encode(scenario.token_xml.encode()).decode()
    body = json.dumps({"externalMessage": f"you sent AfasToken {header[:-3]} and {header}"})
    hostile = Hostile(500, {"Content-Type": "application/json"}, body.encode())
    result, files, token = run("afas", afas_pick(hostile), tmp_path)
    assert_one_check_errored(result, files, AFAS_TARGET, "")
    secret_part = header[len("PHRva2VuPjx2ZXJzaW9uPjE8L3ZlcnNpb24+PGRhdGE+") :]
    assert_no_fragment(secret_part, result.stdout, result.stderr, *files.values())
    assert_no_fragment(token, result.stdout, result.stderr, *files.values())


# --- 3. a lone surrogate -------------------------------------------------------------------------


def test_a_lone_surrogate_in_an_afas_error_keeps_every_report(tmp_path: Path) -> None:
    body = b'{"externalMessage": "kapot \\ud800 hier \\udfff", "profitLogReference": "\\ud800"}'
    hostile = Hostile(500, {"Content-Type": "application/json"}, body)
    result, files, _ = run("afas", afas_pick(hostile), tmp_path)
    check = assert_one_check_errored(result, files, AFAS_TARGET, "kapot")
    assert "\ufffd" in check["message"]
    for text in files.values():
        text.encode("utf-8")  # strict: no surrogate made it into a file


def test_a_lone_surrogate_in_the_afas_app_name_keeps_every_report(tmp_path: Path) -> None:
    simulator = AfasSimulator(load_afas_scenario("healthy"))

    def pick(request: SimRequest) -> Hostile | None:
        if not request.path.endswith("/metainfo"):
            return None
        genuine = json.loads(simulator.handle(request).body)
        app_name = json.dumps(genuine["info"]["appName"])
        body = json.dumps(genuine).replace(app_name, '"app \\ud800 \\u202e name"')
        return Hostile(200, {"Content-Type": "application/json"}, body.encode())

    result, files, _ = run("afas", pick, tmp_path)
    assert result.exit_code == 0, result.output
    report = json.loads(files["json"])
    assert any("app \ufffd name" in c["message"] for c in report["checks"]), report["checks"]
    for text in [result.stdout, *files.values()]:
        text.encode("utf-8")
        assert "\u202e" not in text


# --- 4. the size of an answer --------------------------------------------------------------------


HUGE = {
    "content-length": Hostile(
        200, {"Content-Type": "application/json"}, repeated(64 << 20), 64 << 20
    ),
    "endless": Hostile(200, {"Content-Type": "application/json"}, endless(), None),
    "gzip-bomb": Hostile(
        200, {"Content-Type": "application/json", "Content-Encoding": "gzip"}, GZIP_BOMB
    ),
    "deflate-bomb": Hostile(
        200,
        {"Content-Type": "application/json", "Content-Encoding": "deflate"},
        zlib.compress(bytes(64 << 20), 9),
    ),
    "double-gzip": Hostile(
        200,
        {"Content-Type": "application/json", "Content-Encoding": "gzip, gzip"},
        gzip.compress(GZIP_BOMB, 9),
    ),
}


@pytest.mark.parametrize("kind", list(HUGE))
def test_an_afas_answer_too_large_is_an_error_for_that_check(kind: str, tmp_path: Path) -> None:
    result, files, _ = run("afas", afas_pick(HUGE[kind]), tmp_path)
    assert_one_check_errored(result, files, AFAS_TARGET, "answer too large")


@pytest.mark.parametrize("kind", ["endless", "gzip-bomb"])
def test_an_nmbrs_answer_too_large_is_an_error_for_that_check(kind: str, tmp_path: Path) -> None:
    hostile = HUGE[kind]
    hostile = Hostile(hostile.status, {**hostile.headers, "Content-Type": "text/xml"}, hostile.body)
    hostile.length = HUGE[kind].length
    result, files, _ = run("nmbrs", nmbrs_pick(hostile), tmp_path)
    assert_one_check_errored(result, files, NMBRS_TARGET, "answer too large")


def test_an_answer_just_under_the_cap_is_read(tmp_path: Path) -> None:
    """The cap refuses only what passes it: a JSON answer of nearly 16 MiB is still judged."""
    padding = " " * (MAX_ANSWER_BYTES - 100)
    body = b'{"rows": [{"a": 1}]' + padding.encode() + b"}"
    hostile = Hostile(200, {"Content-Type": "application/json"}, body)
    result, files, _ = run("afas", afas_pick(hostile), tmp_path)
    report = json.loads(files["json"])
    check = next(c for c in report["checks"] if c["id"].endswith(AFAS_TARGET))
    assert check["status"] != "error", check


def test_an_unknown_content_encoding_is_unreadable_not_a_crash(tmp_path: Path) -> None:
    hostile = Hostile(200, {"Content-Type": "application/json", "Content-Encoding": "br"}, b"xx")
    result, files, _ = run("afas", afas_pick(hostile), tmp_path)
    assert_one_check_errored(result, files, AFAS_TARGET, "not valid")


# --- 15. server text is inert in every format ----------------------------------------------------


def test_server_text_is_inert_in_markdown_text_and_html(tmp_path: Path) -> None:
    message = (
        "[Klik hier](https://evil.example/login) ![x](https://evil.example/p.png) "
        "<img src=x onerror=alert(1)> \u202egnp.exe \x1b[31mred"
    )
    body = json.dumps({"externalMessage": message}).encode()
    hostile = Hostile(500, {"Content-Type": "application/json"}, body)
    for fmt in ("markdown", "text"):
        result, files, _ = run("afas", afas_pick(hostile), tmp_path, fmt=fmt)
        assert result.exit_code == 4, result.output
        for text in (result.stdout, files["html"], files["junit"], files["json"]):
            assert "\u202e" not in text and "\x1b" not in text
        assert "<img" not in files["html"] and "<img" not in files["junit"]
        if fmt == "markdown":
            assert "\\[Klik hier\\]" in result.stdout
            assert not re.search(r"(?<!\\)\[Klik hier(?<!\\)\]\(", result.stdout)
            assert "<img" not in result.stdout


def test_a_trace_reads_answers_within_the_same_cap(tmp_path: Path) -> None:
    """``--trace`` wraps the innermost transport; it must not read past the cap either."""
    simulator = AfasSimulator(load_afas_scenario("healthy"))
    scenario = simulator.scenario
    connectors = [arg for c in scenario.connectors for arg in ("--connector", c.id)]
    trace = tmp_path / "run.har"
    with HostileServer(simulator, afas_pick(HUGE["gzip-bomb"])) as server:
        result = runner.invoke(
            app,
            [
                *("afas", "--environment-id", scenario.envid, *connectors, "--no-input"),
                *("--base-url", f"{server.base_url}/ProfitRestServices", "--lang", "en"),
                *("--format", "json", "--trace", str(trace)),
            ],
            env={"KOPPELCHECK_AFAS_TOKEN": scenario.token_data},
        )
    assert result.exit_code == 4, result.output
    check = next(c for c in json.loads(result.stdout)["checks"] if c["id"].endswith(AFAS_TARGET))
    assert "answer too large" in check["message"]
    assert trace.stat().st_size < MAX_ANSWER_BYTES


def test_a_token_echoed_in_lower_case_leaks_into_no_trace(tmp_path: Path) -> None:
    simulator = AfasSimulator(load_afas_scenario("healthy"))
    scenario = simulator.scenario
    body = json.dumps({"externalMessage": "you sent " + scenario.token_data.lower()[3:]})
    hostile = Hostile(500, {"Content-Type": "application/json"}, body.encode())
    connectors = [arg for c in scenario.connectors for arg in ("--connector", c.id)]
    trace = tmp_path / "run.har"
    with HostileServer(simulator, afas_pick(hostile)) as server:
        result = runner.invoke(
            app,
            [
                *("afas", "--environment-id", scenario.envid, *connectors, "--no-input"),
                *("--base-url", f"{server.base_url}/ProfitRestServices", "--lang", "en"),
                *("--format", "json", "--trace", str(trace)),
            ],
            env={"KOPPELCHECK_AFAS_TOKEN": scenario.token_data},
        )
    assert result.exit_code == 4, result.output
    har = trace.read_text(encoding="utf-8")
    json.loads(har)
    assert_no_fragment(scenario.token_data, result.stdout, result.stderr, har)
