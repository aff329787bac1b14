"""The command line: the only layer that prints, prompts, draws progress or picks an exit code."""

from koppelcheck.cli import lazy_coercion

lazy_coercion.install()
