"""Read Nmbrs SOAP faults: find the fault text in an envelope and take the 4-digit code from it.

Nmbrs puts its code inside the fault text, after the .asmx inner-exception arrow:
``System.Web.Services.Protocols.SoapException: Server was unable to process request. ---> 1002:
Unauthorized Access`` (reference §4). SOAP 1.1 carries the text in ``faultstring``, SOAP 1.2 in
``Reason/Text``. Capitalisation of the titles differs between sources, so only the number is
matched; some faults ("Invalid combination email/password") have no number at all.
"""

from __future__ import annotations

import re

from lxml import etree

from koppelcheck.secret import scrub_auth, server_text

SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
ENVELOPE_NAMESPACES = (SOAP11_ENV, SOAP12_ENV)

_CODE = re.compile(r"(?:--->\s*)?\b(\d{4}):")
_ARROW = "--->"
_MAX_TITLE = 200


def parse_fault_text(text: str) -> tuple[int | None, str]:
    """Split a fault text into ``(code, title)``; ``code`` is None when the text carries none.

    The title is the text after ``NNNN:`` (or after the last ``--->`` when there is no code),
    on one line, at most 200 characters, with any ``<Token>`` masked.
    """
    text = " ".join(text.split())
    match = _CODE.search(text)
    if match:
        title = text[match.end() :]
        return int(match.group(1)), _tidy(title)
    if _ARROW in text:
        text = text.rsplit(_ARROW, 1)[1]
    return None, _tidy(text)


def _tidy(title: str) -> str:
    # Sanitised and masked before it is shortened (koppelcheck.secret.server_text).
    return server_text(scrub_auth(title.strip()), _MAX_TITLE)


def fault_text(envelope: etree._Element) -> str | None:
    """The fault text of a SOAP 1.1 or 1.2 envelope, or None when its body holds no Fault."""
    namespace = etree.QName(envelope).namespace
    fault = envelope.find(f"{{{namespace}}}Body/{{{namespace}}}Fault")
    if fault is None:
        return None
    if namespace == SOAP12_ENV:
        node = fault.find(f"{{{namespace}}}Reason/{{{namespace}}}Text")
    else:
        node = fault.find("faultstring")
    return (node.text or "") if node is not None else ""
