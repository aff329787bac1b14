"""Fault text parsing: the 4-digit Nmbrs code is taken from the number, never from the wording."""

from __future__ import annotations

import pytest
from lxml import etree

from koppelcheck.nmbrs.faults import SOAP11_ENV, SOAP12_ENV, fault_text, parse_fault_text

ASMX = "System.Web.Services.Protocols.SoapException: Server was unable to process request. "


@pytest.mark.parametrize(
    ("text", "code", "title"),
    [
        (ASMX + "---> 1001: Invalid Authentication", 1001, "Invalid Authentication"),
        (ASMX + "---> 1002: Unauthorized Access", 1002, "Unauthorized Access"),
        (ASMX + "---> 1002: Unauthorized access", 1002, "Unauthorized access"),
        (ASMX + "---> 1003: Unauthorized Access", 1003, "Unauthorized Access"),
        (ASMX + "---> 2004: Unauthorized Access", 2004, "Unauthorized Access"),
        (ASMX + "---> 9999: Unkown", 9999, "Unkown"),
        (" ---> 2043: Invalid Domain", 2043, "Invalid Domain"),
        ("1002: Unauthorized Access", 1002, "Unauthorized Access"),
        ("--->1004:Disabled, no valid subscription", 1004, "Disabled, no valid subscription"),
    ],
)
def test_code_and_title(text: str, code: int, title: str) -> None:
    assert parse_fault_text(text) == (code, title)


def test_no_code_takes_the_text_after_the_last_arrow() -> None:
    text = ASMX + "---> Invalid combination email/password"
    assert parse_fault_text(text) == (None, "Invalid combination email/password")


def test_no_code_without_arrow_keeps_the_text() -> None:
    assert parse_fault_text("Something went wrong") == (None, "Something went wrong")


@pytest.mark.parametrize("text", ["Error 12345: too long", "code 123: too short", "at 10:30"])
def test_only_a_four_digit_number_followed_by_a_colon_is_a_code(text: str) -> None:
    assert parse_fault_text(text)[0] is None


def test_title_is_one_line_and_bounded() -> None:
    code, title = parse_fault_text(ASMX + "--->\n 1002:\n  Unauthorized\n Access " + "x" * 500)
    assert code == 1002
    assert "\n" not in title
    assert len(title) <= 200
    assert title.startswith("Unauthorized Access")


def test_title_masks_a_token_element() -> None:
    _, title = parse_fault_text("---> 9999: bad <Token>0123456789abcdef</Token>")
    assert "0123456789abcdef" not in title


def _soap11_fault(text: str) -> etree._Element:
    envelope = etree.Element(f"{{{SOAP11_ENV}}}Envelope")
    fault = etree.SubElement(
        etree.SubElement(envelope, f"{{{SOAP11_ENV}}}Body"), f"{{{SOAP11_ENV}}}Fault"
    )
    etree.SubElement(fault, "faultcode").text = "soap:Server"
    etree.SubElement(fault, "faultstring").text = text
    etree.SubElement(fault, "detail")
    return envelope


def _soap12_fault(text: str) -> etree._Element:
    envelope = etree.Element(f"{{{SOAP12_ENV}}}Envelope")
    fault = etree.SubElement(
        etree.SubElement(envelope, f"{{{SOAP12_ENV}}}Body"), f"{{{SOAP12_ENV}}}Fault"
    )
    code = etree.SubElement(fault, f"{{{SOAP12_ENV}}}Code")
    etree.SubElement(code, f"{{{SOAP12_ENV}}}Value").text = "soap:Receiver"
    reason = etree.SubElement(fault, f"{{{SOAP12_ENV}}}Reason")
    etree.SubElement(reason, f"{{{SOAP12_ENV}}}Text").text = text
    return envelope


@pytest.mark.parametrize("build", [_soap11_fault, _soap12_fault])
def test_fault_text_in_both_soap_versions(build) -> None:
    assert fault_text(build(ASMX + "---> 1002: Unauthorized Access")).endswith(
        "1002: Unauthorized Access"
    )


def test_fault_text_is_none_without_fault() -> None:
    envelope = etree.Element(f"{{{SOAP11_ENV}}}Envelope")
    etree.SubElement(etree.SubElement(envelope, f"{{{SOAP11_ENV}}}Body"), "{urn:x}Answer")
    assert fault_text(envelope) is None
