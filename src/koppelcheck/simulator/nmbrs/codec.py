"""SOAP 1.1/1.2 on the wire as ASP.NET .asmx speaks it: envelopes, faults, routing errors.

Sources, per behaviour, are in one comment each; docs/fidelity.md lists them with their confidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

from lxml import etree

from koppelcheck.simulator.nmbrs.contract import Operation, ServedService, Value, render
from koppelcheck.simulator.server import SimRequest, SimResponse

Params: TypeAlias = Any
"""A request's parameters by the served WSDL's names: an int for an int type, else the text
(:func:`read_params`). Typed by the WSDL at run time, not statically: handlers read them by name."""

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_XSD = "http://www.w3.org/2001/XMLSchema"

# .NET reference source, Soap11ServerProtocolHelper.RouteRequest: a SOAP 1.1 request without a
# SOAPAction header is refused with this text (Res.UnableToHandleRequestActionRequired0); GO-TIM
# soap/responses.go quotes the same fault captured from Nmbrs (reference §1).
NO_ACTION = (
    "Unable to handle request without a valid action parameter. Please supply a valid soap action."
)
XML_ERROR = "Server was unable to read request. ---> There is an error in XML document."


def safe_parser() -> etree.XMLParser:
    """A fresh parser per document (lxml parsers must not be shared between threads)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


class Fault(Exception):
    """A fault to answer: an Nmbrs ``code`` with ``title``, or a client-side ``text``."""

    def __init__(self, code: int | None, title: str, *, client: bool = False) -> None:
        super().__init__(title)
        self.code = code
        self.title = title
        self.client = client

    @property
    def text(self) -> str:
        """The faultstring / Reason text."""
        if self.code is None:
            return self.title
        return (
            "System.Web.Services.Protocols.SoapException: Server was unable to process request."
            f" ---> {self.code}: {self.title}"
        )


UNCODED_FAULT = Fault(
    None,
    "System.Web.Services.Protocols.SoapException: Server was unable to process request. ---> "
    "System.NullReferenceException: Object reference not set to an instance of an object.",
)
"""A server-side fault without an Nmbrs code, as an unhandled .NET exception answers."""


def client_fault(text: str) -> Fault:
    return Fault(None, text[:300], client=True)


@dataclass(frozen=True)
class Soap:
    envelope: str
    content_type: str
    server_code: str
    client_code: str


SOAP_11 = Soap(SOAP11, "text/xml; charset=utf-8", "soap:Server", "soap:Client")
SOAP_12 = Soap(SOAP12, "application/soap+xml; charset=utf-8", "soap:Receiver", "soap:Sender")


def envelope(soap: Soap) -> tuple[etree._Element, etree._Element]:
    """An empty Envelope and its Body."""
    nsmap = {"soap": soap.envelope, "xsi": _XSI, "xsd": _XSD}
    envelope = etree.Element(f"{{{soap.envelope}}}Envelope", nsmap=nsmap)
    return envelope, etree.SubElement(envelope, f"{{{soap.envelope}}}Body")


def answer(soap: Soap, env: etree._Element, status: int = 200) -> SimResponse:
    """The envelope as an HTTP answer."""
    body = etree.tostring(env, xml_declaration=True, encoding="utf-8")
    return SimResponse(status=status, body=body, headers={"Content-Type": soap.content_type})


def fault_response(soap: Soap, fault: Fault) -> SimResponse:
    """A fault as .asmx sends it: HTTP 500, soap:Server/Client (1.2: Receiver/Sender), empty detail
    (reference §4, the wording is INFERRED there)."""
    env, body = envelope(soap)
    node = etree.SubElement(body, f"{{{soap.envelope}}}Fault")
    code = soap.client_code if fault.client else soap.server_code
    if soap is SOAP_11:
        etree.SubElement(node, "faultcode").text = code
        etree.SubElement(node, "faultstring").text = fault.text
        etree.SubElement(node, "detail")
    else:
        ns = soap.envelope
        etree.SubElement(etree.SubElement(node, f"{{{ns}}}Code"), f"{{{ns}}}Value").text = code
        reason = etree.SubElement(node, f"{{{ns}}}Reason")
        text = etree.SubElement(reason, f"{{{ns}}}Text")
        text.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
        text.text = fault.text
        etree.SubElement(node, f"{{{ns}}}Detail")
    return answer(soap, env, status=500)


def result_response(
    soap: Soap, service: ServedService, operation: Operation, value: Value
) -> tuple[SimResponse, etree._Element]:
    """The answer to ``operation``, typed by the served WSDL, and its result element's parent."""
    env, body = envelope(soap)
    ns = operation.namespace
    response = etree.SubElement(body, f"{{{ns}}}{operation.name}Response", nsmap={None: ns})
    if operation.result is not None:
        render(service, response, operation.result, value)
    return answer(soap, env), response


def html(status: int, message: str) -> SimResponse:
    """An IIS-style HTML page."""
    page = etree.Element("html")
    etree.SubElement(etree.SubElement(page, "body"), "h1").text = message
    body = etree.tostring(page, method="html", encoding="utf-8")
    return SimResponse(status=status, body=body, headers={"Content-Type": "text/html"})


def soap_of(request: SimRequest) -> Soap | None:
    """SOAP 1.1 for ``text/xml``, 1.2 for ``application/soap+xml``, else None (415)."""
    content_type = request.header("content-type").lower()
    if content_type.startswith("text/xml"):
        return SOAP_11
    if content_type.startswith("application/soap+xml"):
        return SOAP_12
    return None


class BadRequest(Exception):
    """Answer with an HTTP status and an empty body, before any SOAP processing."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def parse_envelope(soap: Soap, body: bytes) -> etree._Element:
    """The request's Envelope element."""
    try:
        env = etree.fromstring(body, safe_parser())
    except etree.XMLSyntaxError as exc:
        # Issue 16's reading of the .asmx source (SoapServerProtocol.Initialize peeks at the
        # envelope before routing; an XmlException there ends as 400 with no body). INFERRED.
        raise BadRequest(400) from exc
    namespace = etree.QName(env).namespace
    if soap is SOAP_12 and namespace == SOAP11:
        # A SOAP 1.1 envelope sent as application/soap+xml: the version is taken from the media
        # type, and .asmx answers 415 (inferred from the .asmx source, issue 16). INFERRED.
        raise BadRequest(415)
    if env.tag != f"{{{soap.envelope}}}Envelope":
        raise client_fault(
            f"Possible SOAP version mismatch: Envelope namespace "
            f"{namespace} was unexpected. Expecting {soap.envelope}."
        )
    return env


def body_element(soap: Soap, env: etree._Element) -> etree._Element:
    """The first element in the Body."""
    body = env.find(f"{{{soap.envelope}}}Body")
    children = [] if body is None else [c for c in body if isinstance(c.tag, str)]
    if not children:
        raise client_fault("Server was unable to read request. ---> The request body is empty.")
    return children[0]


def route(
    service: ServedService, soap: Soap, request: SimRequest, element: etree._Element
) -> Operation:
    """The operation a request asks for, as .asmx routes it (reference §1)."""
    namespace = service.namespace
    if soap is SOAP_11:
        raw = request.headers.get("soapaction")
        if raw is None:
            raise client_fault(NO_ACTION)
        # .NET reference source Soap11ServerProtocolHelper.RouteRequest: surrounding quotes are
        # dropped; an unknown value, the empty one ("") included, is "did not recognize".
        action = raw.strip()
        if len(action) >= 2 and action.startswith('"') and action.endswith('"'):
            action = action[1:-1]
        operation = action.removeprefix(namespace + "/")
        if operation == action or operation not in service.operations:
            raise client_fault(
                f"Server did not recognize the value of HTTP Header SOAPAction: {action}."
            )
    else:
        # SOAP 1.2 has no SOAPAction header here: .asmx routes on the body element (reference §1).
        operation = etree.QName(element).localname
        if etree.QName(element).namespace != namespace or operation not in service.operations:
            raise client_fault(f"Server did not recognize the request element {operation}.")
    if element.tag != f"{{{namespace}}}{operation}":
        raise client_fault(XML_ERROR)
    return service.operations[operation]


def header_values(soap: Soap, env: etree._Element, operation: Operation) -> dict[str, str] | None:
    """The values of the operation's auth header, or None when it is absent."""
    ns = operation.namespace
    header = env.find(f"{{{soap.envelope}}}Header/{{{ns}}}{operation.header}")
    if header is None:
        return None
    return children(header, ns)


def children(element: etree._Element, namespace: str) -> dict[str, str]:
    """Child element texts by local name, in ``namespace`` only."""
    return {
        etree.QName(child).localname: (child.text or "")
        for child in element
        if isinstance(child.tag, str) and etree.QName(child).namespace == namespace
    }


_INTS = {"int", "long", "short", "byte", "unsignedInt"}


def read_params(operation: Operation, element: etree._Element) -> Params:
    """The parameters by their exact WSDL names. Like .NET's XmlSerializer, a missing or mis-cased
    value-type element reads as its default (0) and an unknown one is ignored (reference §4)."""
    given = children(element, operation.namespace)
    params: Params = {}
    for param in operation.params:
        raw = given.get(param.name, "").strip()
        if param.type[1] in _INTS:
            try:
                params[param.name] = int(raw) if raw else 0
            except ValueError as exc:
                raise client_fault(
                    XML_ERROR + " ---> Input string was not in a correct format."
                ) from exc
        else:
            params[param.name] = raw
    return params
