"""The words every batch renderer shares: the counts line, the verdict, a short check id."""

from __future__ import annotations

import re

from koppelcheck.batch.outcome import BatchTally
from koppelcheck.i18n import Translator

_NMBRS_CALL = re.compile(r"^nmbrs\.call\.[^.]+\.(?P<operation>[^.]+)$")


def short_check_id(check_id: str) -> str:
    """A check id as short as a reader needs: the operation for an Nmbrs call, else the id.

    ``nmbrs.call.EmployeeService.Children_Get`` -> ``Children_Get``; ``afas.auth`` stays.
    """
    match = _NMBRS_CALL.match(check_id)
    return match["operation"] if match else check_id


def tally_line(t: Translator, counts: BatchTally) -> str:
    """``4 werkgevers gecontroleerd, 1 met mislukte controles, 1 met onbepaalde, 2 in orde``."""
    checked = t.plural("batch.tally.checked", counts.total)
    rest = t("batch.tally.rest", failed=counts.failed, errored=counts.errored, ok=counts.ok)
    return f"{checked}, {rest}"


def batch_verdict(t: Translator, counts: BatchTally) -> str:
    """One sentence on the whole batch: some couplings are wrong, undetermined, or all fine."""
    if counts.failed:
        return t("batch.verdict.fail")
    if counts.errored:
        return t("batch.verdict.error")
    return t("batch.verdict.ok")
