"""Exit codes and the one error type the CLI turns into a one-line message."""

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    FINDING = 1  # something found, or a send refused by a verdict (opt-out, invalid JSON, --strict, answered no)
    USAGE = 2  # bad arguments or unusable input (a config dir that is not an agent's), output that cannot be written
    NETWORK = 3  # the send was attempted and failed
    INTERRUPTED = 130


class AuditError(Exception):
    """A problem the user can fix; shown as one line, never as a traceback."""

    def __init__(self, message: str, code: Exit = Exit.USAGE):
        super().__init__(message)
        self.code = code
