"""Line and TSV reading shared by the XNLI, MNLI, STS-B and CoNLL-U loaders (standard library only).

The TSV files of XNLI and GLUE are unquoted: a field may contain a stray ``"``, so a row is split on
tabs and nothing else (no quoting, no escaping). The first line is the header; columns are looked up
by name. Lines end in ``\\n`` or ``\\r\\n``; the last line may lack its newline; a UTF-8 byte order mark
is ignored. Blank lines are skipped, so a trailing empty line is harmless.

Only regular files are read, line by line, and no line may exceed :data:`MAX_LINE_BYTES`: a device such
as ``/dev/zero`` or a file without line breaks would otherwise be read into memory until it runs out.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path

from xstilts.errors import DataError

_BOM = b"\xef\xbb\xbf"
# The longest line read (without its line end). Real lines are far shorter (the longest of UD EWT train and of
# GLUE STS-B train have 780 and 680 bytes); the limit only bounds the memory that one line can take.
MAX_LINE_BYTES = 1 << 20


def read_lines(path) -> Iterator[tuple[int, str]]:
    """Yield ``(line number from 1, text without the line end)``.

    Lines are split on ``\\n`` only: a lone ``\\r`` or a Unicode line separator inside a text field is
    data, not a line break (``str.splitlines`` and universal newlines would both break such rows).
    """
    path = Path(path)
    try:
        # stat before open: opening a FIFO would block, and a device never ends
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            raise DataError(path, 0, "is a directory, not a file")
        if not stat.S_ISREG(mode):
            raise DataError(path, 0, "not a regular file")
        # not a `with`: only open()'s errors are to be mapped here; the `with handle:` below closes it
        handle = open(path, "rb")  # noqa: SIM115
    except FileNotFoundError:
        raise DataError(path, 0, "file not found") from None
    except OSError as err:
        raise DataError(path, 0, f"cannot read the file ({err.strerror or err})") from None
    with handle:
        number = 0
        # readline stops after MAX_LINE_BYTES + 2 bytes: room for the longest line and its "\r\n"
        while raw := handle.readline(MAX_LINE_BYTES + 2):
            number += 1
            raw = raw.removesuffix(b"\n").removesuffix(b"\r")
            if len(raw) > MAX_LINE_BYTES:
                raise DataError(path, number, f"line longer than {MAX_LINE_BYTES} bytes")
            if number == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise DataError(path, number, f"not valid UTF-8 (byte {err.start + 1} of the line)") from None


def read_rows(path, required: Sequence[str], optional: Sequence[str] = ()) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line number, {column: value})`` for the ``required`` and present ``optional`` columns.

    Every row must have as many fields as the header; other columns are ignored.
    """
    lines = read_lines(path)
    header = _first_nonblank(lines)
    if header is None:
        raise DataError(path, 1, "empty file")
    number, text = header
    if number != 1:
        raise DataError(path, 1, "blank first line: expected the header row")
    names = [name.strip() for name in text.split("\t")]
    for name in required:
        if name not in names:
            raise DataError(path, 1, f"missing column {name!r} in the header (has: {', '.join(names)})")
    wanted = {name: names.index(name) for name in (*required, *optional) if name in names}
    for number, text in lines:
        if not text.strip():
            continue
        fields = text.split("\t")
        if len(fields) != len(names):
            raise DataError(
                path, number, f"expected {len(names)} tab-separated fields (as in the header), got {len(fields)}"
            )
        yield number, {name: fields[index] for name, index in wanted.items()}


def nonempty(path, line: int, row: dict[str, str], column: str) -> str:
    """``row[column]``, which must not be blank."""
    text = row[column]
    if not text.strip():
        raise DataError(path, line, f"empty sentence in column {column!r}")
    return text


def _first_nonblank(lines: Iterator[tuple[int, str]]) -> tuple[int, str] | None:
    for number, text in lines:
        if text.strip():
            return number, text
    return None
