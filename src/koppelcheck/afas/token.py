"""The AFAS user token: the three forms people paste, and the ``Authorization`` header.

AFAS shows a token as ``<token><version>1</version><data>…</data></token>``. Users paste the
whole XML, only the 64-character ``data`` part (a.s.r.'s form asks for that), or the base64 of
the XML. Whatever the form, the header is built from the parts:
``Authorization: AfasToken <base64 of the XML>`` (base64 is mandatory from Profit 7).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, replace
from enum import StrEnum

from koppelcheck.credentials import clean_pasted
from koppelcheck.errors import InputError
from koppelcheck.i18n import Text
from koppelcheck.secret import Secret, remember

DEFAULT_TOKEN_VERSION = "1"
TOKEN_FIELD = "token"

_XML_RE = re.compile(
    r"^<token>\s*<version>\s*([^<]*?)\s*</version>\s*<data>\s*([^<]*?)\s*</data>\s*</token>$",
    re.DOTALL,
)
_DATA_RE = re.compile(r"^[A-Za-z0-9]+$")
_B64_RE = re.compile(r"^[A-Za-z0-9+/_-]+={0,2}$")
# Every real-looking example in AFAS's docs is 64 uppercase hex characters, but AFAS never
# specifies the alphabet or length (afas-api.md §2), so anything else is a warning, not an error.
_HEX64_RE = re.compile(r"^[0-9A-Fa-f]{64}$")
_HEADER_PREFIX = re.compile(r"^afastoken\s+", re.IGNORECASE)


class TokenForm(StrEnum):
    """How the token was pasted."""

    DATA = "data"
    XML = "xml"
    BASE64 = "base64"


class TokenProblem(StrEnum):
    """Something about a token that looks off (a warning; AFAS decides whether it works)."""

    DATA_NOT_HEX64 = "data_not_hex64"
    VERSION_NOT_1 = "version_not_1"
    VERSION_CONFLICT = "version_conflict"


@dataclass(frozen=True)
class AfasToken:
    """A parsed AFAS token. The data part is a :class:`Secret`; nothing here prints it."""

    data: Secret
    version: str
    form: TokenForm
    problems: tuple[TokenProblem, ...] = ()
    pasted: Secret | None = None
    """The cleaned text as pasted (for redaction only)."""

    def __post_init__(self) -> None:
        remember(self.xml)  # so the header's base64 is masked too, however the token was pasted

    @property
    def xml(self) -> str:
        """The token XML as AFAS defines it (a secret: never print it)."""
        return f"<token><version>{self.version}</version><data>{self.data.reveal()}</data></token>"

    def authorization(self) -> str:
        """The ``Authorization`` header value: ``AfasToken <base64 of the XML>`` (a secret)."""
        return "AfasToken " + base64.b64encode(self.xml.encode("utf-8")).decode("ascii")

    def secret_forms(self) -> tuple[str, ...]:
        """Every form of the token a redactor must hide (its base64 is added by the redactor)."""
        pasted = (self.pasted.reveal(),) if self.pasted else ()
        return (self.data.reveal(), self.xml, *pasted)

    @property
    def data_length(self) -> int:
        """How many characters the data part has (safe to show)."""
        return len(self.data.reveal())


def parse_token(
    raw: str | Secret,
    version: int | str | None = None,
    *,
    field: str = TOKEN_FIELD,
) -> AfasToken:
    """Read a pasted token in any of its three forms; raise :class:`InputError` for anything else.

    ``version`` is ``--token-version`` (default 1). A pasted XML carries its own version, which
    wins; a different ``version`` given beside it is reported as a problem.
    """
    text = raw.reveal() if isinstance(raw, Secret) else raw
    cleaned = clean_pasted(
        _HEADER_PREFIX.sub("", text.replace("\ufeff", "").strip()), field, xml=True
    )
    given = None if version is None else str(version).strip()
    token = _parse(cleaned, given, field)
    return replace(token, pasted=Secret(cleaned, source=token.form.value))


def _parse(cleaned: str, given: str | None, field: str) -> AfasToken:
    if cleaned.startswith("<"):
        return _from_xml(cleaned, given, TokenForm.XML, field)
    if _DATA_RE.match(cleaned) and not _decodes_to_xml(cleaned):
        return _make(cleaned, given or DEFAULT_TOKEN_VERSION, TokenForm.DATA, ())
    if _B64_RE.match(cleaned):
        decoded = _b64decode(cleaned)
        if decoded is not None and decoded.lstrip().startswith("<"):
            return _from_xml(decoded.strip(), given, TokenForm.BASE64, field)
        raise InputError(
            field,
            Text("input.afas.token_base64"),
            Text("input.afas.token_base64_hint", hint=_HINT),
        )
    raise InputError(field, Text("input.afas.token"), _HINT)


_HINT = Text("input.afas.token_hint")


def _from_xml(xml: str, given: str | None, form: TokenForm, field: str) -> AfasToken:
    match = _XML_RE.match(xml)
    if match is None or not match.group(2):
        raise InputError(field, Text("input.afas.token_xml"), _HINT)
    own_version, data = match.group(1), match.group(2)
    if any(ch.isspace() for ch in data):
        raise InputError(field, Text("input.afas.token_spaces"), _HINT)
    if not _DATA_RE.match(data):  # as for a pasted data part: letters and digits only
        raise InputError(field, Text("input.afas.token_data"), _HINT)
    extra = (TokenProblem.VERSION_CONFLICT,) if given is not None and given != own_version else ()
    return _make(data, own_version, form, extra)


def _make(data: str, version: str, form: TokenForm, extra: tuple[TokenProblem, ...]) -> AfasToken:
    problems = list(extra)
    if not _HEX64_RE.match(data):
        problems.append(TokenProblem.DATA_NOT_HEX64)
    if version != DEFAULT_TOKEN_VERSION:
        # Every source shows version 1 and no page explains the field (afas-api.md §2).
        problems.append(TokenProblem.VERSION_NOT_1)
    return AfasToken(Secret(data, source=form.value), version, form, tuple(problems))


def _b64decode(text: str) -> str | None:
    padded = text + "=" * (-len(text) % 4)
    try:
        raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        return raw.decode("utf-8-sig")
    except (binascii.Error, UnicodeDecodeError):
        return None


def _decodes_to_xml(text: str) -> bool:
    # A base64 XML token is also letters and digits only when it has no padding and no +/.
    decoded = _b64decode(text) if len(text) % 4 == 0 else None
    return decoded is not None and decoded.lstrip().startswith("<token")
