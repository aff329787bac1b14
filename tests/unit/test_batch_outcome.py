"""Who in a batch is broken is decided in the core (``batch.outcome``), not in a renderer."""

from __future__ import annotations

import subprocess
import sys

from koppelcheck.batch import outcome
from koppelcheck.exitcodes import ExitCode
from koppelcheck.models import Status
from koppelcheck.report import batch_text
from tests.unit.test_batch_renderers import batch_of, check, employer, sample_batch


def test_the_outcome_of_each_employer_and_of_the_batch() -> None:
    batch = sample_batch()
    outcomes = {e.id: outcome.employer_outcome(e) for e in batch.employers}
    assert list(outcomes.values()).count(Status.FAIL) == 1
    assert list(outcomes.values()).count(Status.ERROR) == 1
    counts = outcome.tally(batch)
    assert (counts.total, counts.failed, counts.errored, counts.ok) == (4, 1, 1, 2)
    assert outcome.worst_outcome(counts) is Status.FAIL
    first = outcome.needing_attention(batch)
    assert [outcome.employer_outcome(e) for e in first] == [Status.FAIL, Status.ERROR]
    assert len(outcome.attention_first(batch)) == 4


def test_an_employer_that_did_not_run_is_undetermined_even_without_checks() -> None:
    lone = employer("leeg", "afas", [check("afas.auth", Status.PASS)])
    lone = lone.model_copy(update={"exit_code": int(ExitCode.CANNOT_RUN)})
    assert outcome.employer_outcome(lone) is Status.ERROR
    assert outcome.worst_outcome(outcome.tally(batch_of([lone]))) is Status.ERROR


def test_the_core_module_draws_nothing() -> None:
    code = "import sys, koppelcheck.batch.outcome; print('rich' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_the_old_import_path_is_the_same_logic() -> None:
    assert batch_text.employer_outcome is outcome.employer_outcome
    assert batch_text.tally is outcome.tally
    assert batch_text.NOT_RUN_CODES is outcome.NOT_RUN_CODES
