"""Exit codes and the one error type the CLI turns into a one-line message."""

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    FINDING = 1  # invalid payload, refused send, something found
    USAGE = 2  # bad arguments or unusable input
    NETWORK = 3  # the send was attempted and failed
    INTERRUPTED = 130


class AuditError(Exception):
    """A problem the user can fix; shown as one line, never as a traceback."""

    def __init__(self, message: str, code: Exit = Exit.USAGE):
        super().__init__(message)
        self.code = code
