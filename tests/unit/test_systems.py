"""The System interface: the registry, both implementations, and no branching on system names."""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import koppelcheck
from koppelcheck import systems
from koppelcheck.batch.plan import load_batch_file
from koppelcheck.batch.run import limit_group, prepare
from koppelcheck.errors import InputError
from koppelcheck.models import Report
from koppelcheck.secret import Secret
from koppelcheck.steps import steps_for
from koppelcheck.systems import SYSTEMS, System, find_system, get_system

PACKAGE = Path(koppelcheck.__file__).parent
NAMES = frozenset({"nmbrs", "afas"})
OWN_PACKAGES = ("nmbrs", "afas", "systems")
"""Where a system may name itself: its own package and the registry."""


def _is_name(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in NAMES


def _names_in(node: ast.AST) -> bool:
    return isinstance(node, ast.Tuple | ast.List | ast.Set) and any(map(_is_name, node.elts))


def system_branches(tree: ast.AST) -> Iterator[int]:
    """Lines comparing a value with "nmbrs"/"afas" (==, !=, in (...), match/case)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for op, left, right in zip(node.ops, operands, operands[1:], strict=False):
                if isinstance(op, ast.Eq | ast.NotEq | ast.Is | ast.IsNot) and (
                    _is_name(left) or _is_name(right)
                ):
                    yield node.lineno
                if isinstance(op, ast.In | ast.NotIn) and (_names_in(right) or _is_name(left)):
                    yield node.lineno
        elif isinstance(node, ast.MatchValue) and _is_name(node.value):
            yield node.lineno


def test_no_branch_on_a_system_name_outside_the_systems_packages() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in OWN_PACKAGES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [f"{relative}:{line}" for line in system_branches(tree)]
    assert found == [], "look the system up in koppelcheck.systems instead: " + ", ".join(found)


@pytest.mark.parametrize(
    "source",
    [
        'if system == "nmbrs": pass',
        'x = "afas" != kind',
        'ok = name in ("afas", "nmbrs")',
        'match s:\n    case "afas":\n        pass',
    ],
)
def test_the_guard_finds_each_kind_of_branch(source: str) -> None:
    assert list(system_branches(ast.parse(source)))


def test_the_registry_knows_both_systems_once() -> None:
    assert SYSTEMS == ("afas", "nmbrs")
    assert systems.REGISTERED == ("nmbrs", "afas")
    for name in SYSTEMS:
        system = get_system(name)
        assert isinstance(system, System)
        assert system.name == name
        assert get_system(name) is system
    assert find_system("sap") is None
    assert find_system(["nmbrs"]) is None
    with pytest.raises(KeyError):
        get_system("sap")


def test_the_afas_limit_is_written_once() -> None:
    from koppelcheck.afas.system import PER_ENVIRONMENT_LIMIT

    assert get_system("afas").per_host_limit == PER_ENVIRONMENT_LIMIT == 5
    assert get_system("nmbrs").per_host_limit is None  # the user's --concurrency


def test_steps_come_from_the_system() -> None:
    assert steps_for("afas") == get_system("afas").steps()
    assert steps_for("nmbrs", "rest") == get_system("nmbrs").steps("rest")
    assert get_system("afas").steps(auth="oauth") != get_system("afas").steps()
    with pytest.raises(KeyError):
        steps_for("sap")


def test_both_credential_kinds_of_afas_travel_as_settings() -> None:
    afas = get_system("afas")
    assert afas.token_account({"environment_id": "O12345AA"}) == "afas:12345"
    assert afas.client_secret_account({"environment_id": "12345"}) is None
    account = afas.client_secret_account({"environment_id": "12345", "client_id": "abc"})
    assert account is not None and account.startswith("afas:12345:oauth:")
    assert afas.token_optional({"client_id": "abc"}) and not afas.token_optional({})
    assert not get_system("nmbrs").token_optional({"client_id": "abc"})


def test_credential_keys_are_the_settings_that_name_an_account() -> None:
    from koppelcheck.systems.interface import credential_keys

    assert credential_keys(get_system("nmbrs")) == ("username", "domain")
    assert credential_keys(get_system("afas")) == ("environment_id", "client_id")


def test_client_id_is_refused_for_nmbrs_credentials() -> None:
    from koppelcheck.cli.credentials import account_for

    given = {"domain": "bureau", "username": "u@x.nl", "client_id": "abc"}
    with pytest.raises(InputError) as info:
        account_for("nmbrs", given)
    assert info.value.field == "client_id"
    assert account_for("nmbrs", {**given, "client_id": None}) == ("nmbrs:bureau:u@x.nl", False)


@pytest.mark.parametrize(
    ("system", "settings", "field"),
    [
        ("nmbrs", {"domain": "bureau"}, "domain/username"),
        ("nmbrs", {"domain": "bureau", "username": "geen-adres"}, "username"),
        ("afas", {}, "environment_id"),
        ("afas", {"environment_id": "X1"}, "environment_id"),
        ("afas", {"client_id": "abc"}, "environment_id"),
    ],
)
def test_accounts_name_a_missing_or_bad_key(
    system: str, settings: dict[str, str], field: str
) -> None:
    """``koppelcheck credentials`` passes its flags unchecked: the system names the key."""
    kind = get_system(system)
    with pytest.raises(InputError) as info:
        if "client_id" in settings:
            kind.client_secret_account(settings)
        else:
            kind.token_account(settings)
    assert info.value.field == field


def test_the_report_title_names_what_the_system_says() -> None:
    from koppelcheck.report._common import target_label

    def label(system: str, **target: object) -> str:
        return target_label(Report.model_construct(system=system, target=target))

    assert label("nmbrs", domain="acme", username="a@b.nl", environment="sandbox") == "acme"
    assert label("afas", environment_id="12345", environment="production") == "12345"
    assert label("nmbrs", environment="production") == "-"
    assert label("sap", domain="acme") == "-"  # a system nobody registered names nothing


def test_bundle_blockers_are_the_systems_own() -> None:
    from koppelcheck.bundle.build import bundle_blockers

    report = Report.model_construct(system="afas", checks=[])
    assert bundle_blockers(report) == ["afas.connector.*"]
    assert bundle_blockers(Report.model_construct(system="nmbrs", checks=[])) == []
    assert bundle_blockers(Report.model_construct(system="sap", checks=[])) == []


def test_a_third_system_is_one_registry_line(tmp_path: Path, loonpakket: System) -> None:
    """The batch side in-process; tests/integration/test_third_system.py runs every command."""
    from koppelcheck.batch.run import BatchRunner
    from koppelcheck.i18n import Translator
    from koppelcheck.simulator.server import SimulatorServer

    assert isinstance(loonpakket, System)
    assert find_system("loonpakket") is loonpakket
    assert steps_for("loonpakket") == loonpakket.steps()
    path = tmp_path / "batch.toml"
    path.write_text(
        '[[employer]]\nid = "a"\nsystem = "loonpakket"\ntenant = "42"\ntoken_env = "LP"\n'
        '[[employer]]\nid = "b"\nsystem = "loonpakket"\ntenant = "x"\ntoken_env = "LP"\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_batch_file(path)
    assert "tenant: moet een tenantnummer zijn" in info.value.message
    spec = loonpakket.simulator()
    with SimulatorServer(spec.simulator(spec.load("healthy"))) as server:
        path.write_text(
            '[[employer]]\nid = "a"\nsystem = "loonpakket"\ntenant = 42\ntoken_env = "LP"\n'
            f'base_url = "{server.base_url}"\n',
            encoding="utf-8",
        )
        plan = load_batch_file(path)
        employers = prepare(plan, {"a": Secret("lp-3f9c2a7e51d04b86", "env")})
        assert limit_group(employers[0]) == f"loonpakket|{server.base_url}"
        runner = BatchRunner(Translator("en"), timeout_s=5, concurrency=1)
        report = asyncio.run(runner.run(employers))
    [line] = report.employers
    assert (line.system, line.exit_code) == ("loonpakket", 0)


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["nmbrs", "--username", "a@b.nl", "--domain", "ac me"], "--domain"),
        (["afas", "--environment-id", "12"], "--environment-id"),
        (
            [
                "credentials",
                "set",
                "nmbrs",
                "--domain",
                "acme",
                "--username",
                "a@b.nl",
                "--client-id",
                "x",
            ],
            "--client-id",
        ),
    ],
)
def test_the_cli_names_the_flag_of_a_key(args: list[str], flag: str) -> None:
    from typer.testing import CliRunner

    from koppelcheck.cli.app import app

    result = CliRunner().invoke(app, [*args, "--no-input"] if args[0] != "credentials" else args)
    assert result.exit_code == 2
    assert f"{flag}:" in result.output


@pytest.mark.parametrize("option", ["overkoepelend", "per-debiteur"])
@pytest.mark.parametrize("readiness", [True, False])
def test_nmbrs_check_count_is_the_number_of_checks_built(option: str, readiness: bool) -> None:
    from koppelcheck.i18n import Translator
    from koppelcheck.nmbrs.checks import NmbrsProbe
    from koppelcheck.nmbrs.target import NmbrsTarget

    target = NmbrsTarget.create(username="a@b.nl", domain="acme", option=option)
    probe = NmbrsProbe(None, target, Translator("en"), rest_readiness=readiness)  # type: ignore[arg-type]
    count = get_system("nmbrs").check_count(target, rest_readiness=readiness)
    assert count == len(probe.checks())


@pytest.mark.parametrize(("token", "client"), [(True, False), (False, True), (True, True)])
@pytest.mark.parametrize("connectors", [(), ("BP_A", "BP_B")])
def test_afas_check_count_is_the_number_of_checks_built(
    token: bool, client: bool, connectors: tuple[str, ...]
) -> None:
    from koppelcheck.afas.checks import AfasSettings, build_afas_checks
    from koppelcheck.afas.environment import parse_environment_id
    from koppelcheck.afas.oauth import client_credentials
    from koppelcheck.afas.token import parse_token
    from koppelcheck.i18n import Translator

    xml = "<token><version>1</version><data>" + "A" * 64 + "</data></token>"
    settings = AfasSettings(
        environment=parse_environment_id("12345"),
        token=parse_token(Secret(xml, "test"), None) if token else None,
        connectors=connectors,
        client=client_credentials("client-1", Secret("s3cret-value", "test")) if client else None,
    )
    built = build_afas_checks(
        settings,
        None,  # type: ignore[arg-type]
        Translator("en"),
        oauth_client=None if not (token and client) else object(),  # type: ignore[arg-type]
        access=object() if client else None,  # type: ignore[arg-type]
    )
    assert get_system("afas").check_count(settings) == len(built)


@pytest.mark.parametrize("name", ["nmbrs", "afas"])
def test_the_settings_model_is_the_one_list_of_keys(name: str) -> None:
    from koppelcheck.systems.interface import settings_from

    system = get_system(name)
    model = system.settings_model
    assert model.model_config.get("extra") == "forbid"
    assert system.batch_keys == set(model.model_fields) - {"base_url"}
    assert set(system.required_batch_keys) <= system.batch_keys
    with pytest.raises(InputError) as info:
        settings_from(model, {"unknown_key": "x", **dict.fromkeys(system.required_batch_keys, "1")})
    assert info.value.field == "unknown_key"
    assert info.value.texts[0].key == "input.batch.unknown_key"  # type: ignore[union-attr]


def test_nmbrs_flags_and_batch_build_the_same_target() -> None:
    from koppelcheck.nmbrs.system import NmbrsSettings
    from koppelcheck.systems.interface import settings_from

    raw = {"username": "a@b.nl", "domain": "https://Acme.nmbrs.nl/", "option": "per-debiteur"}
    target = settings_from(NmbrsSettings, raw).target()
    assert target == get_system("nmbrs").prepare(raw, None, None)
    assert (target.domain, target.option.value) == ("acme", "per-debiteur")


def test_the_cli_choice_of_systems_is_the_registry() -> None:
    from koppelcheck.choices import SystemName

    # The CLI's enum stays import-light for --help; it must list exactly the registered systems.
    assert tuple(s.value for s in SystemName) == SYSTEMS


def test_a_system_that_names_no_missing_key_gets_it_named_by_the_cli(
    monkeypatch: pytest.MonkeyPatch, loonpakket: System
) -> None:
    """``koppelcheck credentials`` for a system whose token_account reads a key it was not
    given: an InputError naming that key (its flag), never a KeyError."""
    from koppelcheck.cli.credentials import account_for

    class Unchecked(type(loonpakket)):  # type: ignore[misc]
        def token_account(self, settings: Any) -> str:
            return f"loonpakket:{settings['tenant']}"  # reads the key it was not given

    bare = Unchecked()
    monkeypatch.setattr(systems, "find_system", lambda name: bare)
    with pytest.raises(InputError) as info:
        account_for("loonpakket", {"domain": "acme"})  # another system's key is not passed on
    assert info.value.field == "tenant"
    assert account_for("loonpakket", {"tenant": "42"}) == ("loonpakket:42", False)
    with pytest.raises(InputError) as refused:  # a client id where the settings have none
        account_for("loonpakket", {"tenant": "42", "client_id": "abc"})
    assert refused.value.field == "client_id"


def test_a_third_systems_report_names_its_target_in_its_own_words(loonpakket: System) -> None:
    from koppelcheck.i18n import Translator
    from koppelcheck.report._common import target_details, title_line

    report = Report.model_construct(
        system="loonpakket",
        option=None,
        target={"tenant": "42", "base_url": "http://127.0.0.1:1", "other": "x"},
        checks=[],
    )
    t = Translator("en")
    assert title_line(t, report) == "koppelcheck — Loonpakket 42"
    assert target_details(t, report) == [
        ("Tenant", "42"),
        ("Base URL", "http://127.0.0.1:1"),
        ("other", "x"),  # a key no catalogue names stays as it is
    ]


def test_an_unknown_system_is_refused_with_the_registered_ones() -> None:
    """The bundle and ``koppelcheck credentials`` list the registry's systems (not a fixed
    "nmbrs of afas")."""
    from koppelcheck.bundle.build import build_payload
    from koppelcheck.cli.credentials import account_for

    report = Report.model_construct(system="sap", checks=[], target={})
    with pytest.raises(InputError) as bundle:
        build_payload(report=report, form={}, tokens={}, lang="en")
    assert bundle.value.message == f"unknown system sap; choose from: {', '.join(SYSTEMS)}"
    with pytest.raises(InputError) as credentials:
        account_for("sap", {})
    assert credentials.value.field == "system"
    assert credentials.value.hint == f"kies uit: {', '.join(SYSTEMS)}"
