"""What the command's exit status means, and the one error type its modules raise.

One meaning everywhere (docs/cli.md, "Exit status"): 0 success, 1 a check or a gate failed (or there
was nothing to measure), 2 bad usage or an AWS error, 130 interrupted (Ctrl-C, the shell's
convention for SIGINT).
"""

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """An error the command reports as one message and a non-zero exit status."""

    def __init__(self, message: str, exit_code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
