"""The contract's exit codes (kept apart from the models so the CLI starts without pydantic)."""


class ExitCode:
    """Exit codes of the contract."""

    OK = 0
    FAILED = 1
    USAGE = 2
    CANNOT_RUN = 3
    UNDETERMINED = 4
    INTERRUPTED = 130
