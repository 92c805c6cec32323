"""Errors a user can cause. The CLI prints them as one line (no traceback) and exits non-zero."""

from __future__ import annotations


class XstiltsError(Exception):
    """A problem the user can fix; `str(err)` is the whole message."""

    exit_code = 1


class ConfigError(XstiltsError):
    """Bad parameter, override or configuration file (exit code 2, like argparse)."""

    exit_code = 2


class DataError(XstiltsError):
    """A malformed input file, reported as `PATH:LINE: what is wrong` (line 0 = the file as a whole)."""

    def __init__(self, path, line: int, message: str):
        self.path, self.line, self.message = str(path), line, message
        super().__init__(f"{self.path}:{line}: {message}")


class MissingUpstreamError(XstiltsError):
    """An upstream output (prepared data, a model) is missing; the message names the producing command."""
