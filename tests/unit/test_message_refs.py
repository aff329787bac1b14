"""Message keys and parameters beside the prose: captured where the Translator makes a text."""

from __future__ import annotations

import copy
import json
import pickle

from koppelcheck.checks import CheckSpec, Outcome, outcome
from koppelcheck.i18n import Message, MessageList, Text, Translator, catalogue, message_ref
from koppelcheck.models import CheckResult, Fix, Status
from koppelcheck.runner import CheckRunner
from koppelcheck.secret import Redactor

SECRET = "0123456789ABCDEF0123456789ABCDEF"


def test_a_translated_text_is_the_same_text_and_remembers_key_and_params() -> None:
    t = Translator("en")
    text = t("core.error.timeout", seconds="5")
    assert "5" in text and text == catalogue("en")["core.error.timeout"].format(seconds="5")
    assert isinstance(text, str) and str(text) == text
    assert message_ref(text) == ("core.error.timeout", {"seconds": "5"})
    # Derived texts are plain text: only a catalogue text carries a key.
    assert message_ref(text + "!") == ("", {})
    assert message_ref("plain") == ("", {})


def test_nested_messages_and_lists_become_json_values() -> None:
    t = Translator("nl")
    text = t(
        "core.sentences",
        sentences=MessageList(" ", [t("core.error.remote", reason=t("core.retry.unknown")), "x"]),
    )
    key, params = message_ref(text)
    assert key == "core.sentences"
    assert params == {
        "sentences": [
            {
                "key": "core.error.remote",
                "params": {"reason": {"key": "core.retry.unknown", "params": {}}},
            },
            "x",
        ]
    }
    json.dumps(params)  # JSON values only
    assert message_ref(t.plural("walk.skipped", 2, reason="r"))[0] == "walk.skipped.other"


def test_messages_survive_pickle_and_copy() -> None:
    t = Translator("en")
    text = t("core.error.remote", reason=MessageList("; ", [t("core.retry.unknown"), "b"]))
    for again in (pickle.loads(pickle.dumps(text)), copy.deepcopy(text)):
        assert again == text and message_ref(again) == message_ref(text)


def test_models_take_key_and_params_from_a_message_and_keep_an_explicit_one() -> None:
    t = Translator("en")
    result = CheckResult(
        id="a",
        status=Status.FAIL,
        title=t("afas.title.connector", id="BP_X"),
        message="server words",
        fix=Fix(text=t("core.fix.retry_later")),
    )
    assert (result.title_key, result.title_params) == ("afas.title.connector", {"id": "BP_X"})
    assert (result.message_key, result.message_params) == ("", {})
    assert result.fix.key == "core.fix.retry_later"
    assert Fix(text=t("core.fix.retry_later"), key="mine").key == "mine"
    # A result read back from JSON keeps its keys.
    again = CheckResult.model_validate(result.model_dump(mode="json"))
    assert again.title_key == "afas.title.connector" and again.fix.key == "core.fix.retry_later"
    # A text rebuilt from a result carries its key again; a new text brings its own key.
    rebuilt = result.as_message("title")
    assert message_ref(rebuilt) == ("afas.title.connector", {"id": "BP_X"})
    changed = result.with_texts(message=t("core.retry.unknown"), step_id="afas.step.1")
    assert changed.message_key == "core.retry.unknown" and changed.step_id == "afas.step.1"
    assert changed.with_texts(message="plain").message_key == ""


def test_step_id_comes_from_a_step_label_key_or_is_given() -> None:
    t = Translator("en")

    async def run() -> Outcome:
        return outcome(Status.PASS, "ok")

    assert CheckSpec("a", "a", t("afas.step.3"), run).step_id == "afas.step.3"
    assert CheckSpec("a", "a", t("afas.title.token"), run).step_id == ""
    assert CheckSpec("a", "a", "Step 2: x", run, step_id="nmbrs.step.2").step_id == "nmbrs.step.2"


async def test_the_runner_redacts_parameters_as_it_redacts_text() -> None:
    t = Translator("en")

    async def leaky() -> Outcome:
        reason = t("core.error.remote", reason=f"refused {SECRET}")
        listed = MessageList(" ", [t("core.retry.unknown"), SECRET])
        return outcome(Status.ERROR, reason, t("core.error.crash", kind="X", reason=listed))

    redactor = Redactor()
    redactor.add(SECRET)
    runner = CheckRunner(t, check_timeout_s=5, redactor=redactor)
    (result,) = await runner.run([CheckSpec("x", t("afas.title.token"), t("afas.step.3"), leaky)])
    document = json.dumps(result.model_dump(mode="json"))
    assert SECRET not in document and SECRET[:12] not in document
    assert result.message_key == "core.error.remote"
    assert "refused" in result.message_params["reason"]
    assert result.fix.key == "core.error.crash" and result.fix.params["kind"] == "X"
    assert result.step_id == "afas.step.3" and result.title_key == "afas.title.token"


def test_message_is_a_str_subclass_that_pydantic_stores_as_text() -> None:
    fix = Fix(text=Message("hello", "k", {}))
    assert type(fix.text) is str and fix.key == "k"


def test_an_unrendered_text_parameter_keeps_its_key() -> None:
    t = Translator("nl")
    text = t("core.error.remote", reason=Text("core.retry.unknown"))
    assert message_ref(text)[1] == {"reason": {"key": "core.retry.unknown", "params": {}}}


def test_an_unclassified_transport_error_keeps_its_key_beside_the_server_words() -> None:
    from koppelcheck.errors import TransportError
    from koppelcheck.explain import describe_remote_error

    for lang in ("nl", "en"):
        text = describe_remote_error(TransportError("weird socket state"), Translator(lang))
        key, params = message_ref(text)
        assert key == "core.error.transport"
        assert params["reason"] == [
            {"key": "core.transport.other", "params": {}},
            "weird socket state",
        ]
        assert "weird socket state" in text
