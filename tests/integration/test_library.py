"""koppelcheck used as a library: ``from koppelcheck import check`` against the simulator over
loopback, with the same validation and the same report as the CLI."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

import koppelcheck
from koppelcheck import Status, check
from koppelcheck.errors import InputError

pytestmark = pytest.mark.integration


async def test_check_nmbrs_as_a_library(nmbrs_server: Callable[..., tuple[Any, Any]]) -> None:
    server, simulator = nmbrs_server("calls-inactive")
    scenario = simulator.scenario
    report = await check(
        "nmbrs",
        {
            "username": scenario.username,
            "domain": scenario.domain,
            "base_url": f"{server.base_url}/soap/v3",
        },
        token=scenario.token,
        lang="en",
    )
    statuses = {result.id: result.status for result in report.checks}
    assert statuses["nmbrs.auth"] is Status.PASS
    inactive = {f"nmbrs.call.EmployeeService.{op}" for op in ("Children_Get", "Partner_Get")}
    assert {statuses[i] for i in inactive} == {Status.FAIL}
    assert report.summary.fail >= 2


async def test_the_library_validates_like_the_batch_file() -> None:
    with pytest.raises(InputError) as caught:
        await check("nmbrs", {"username": "not-an-address", "domain": "acme"}, token="x" * 32)
    assert caught.value.field == "username"


def test_the_library_names_load_lazily() -> None:
    """``import koppelcheck`` (which the CLI does for --help) loads none of the library."""
    code = "import sys, koppelcheck; print('koppelcheck.api' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert set(koppelcheck.__all__) >= {"check", "Report", "Status", "Secret"}
