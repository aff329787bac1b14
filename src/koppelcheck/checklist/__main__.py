"""``python -m koppelcheck.checklist --write-docs docs/checklists``."""

from koppelcheck.checklist.docs import main

raise SystemExit(main())
