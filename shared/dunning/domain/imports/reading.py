"""Reading an import file as CSV rows, streaming, from raw byte lines.

The caller does the I/O: these take an iterable of raw byte lines, as from an
S3 body's `iter_lines()` or a file opened in binary mode, line ends kept or
not. A file that cannot be read at all raises `InvalidFileError`; a row that
is not valid CSV is one row's problem (`csv_problem`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from itertools import chain, repeat
from operator import methodcaller
from typing import TYPE_CHECKING

from dunning.domain.imports.cells import ErrorCode
from dunning.domain.imports.schema import Problem

if TYPE_CHECKING:
    from _csv import Reader as CsvReader

EMPTY_FILE = "the file is empty: a header row is expected"
# A row has at most about twenty columns of at most a few thousand characters
# (schema.py: TEXT_MAX, LIST_MAX): a physical line this long is not an export.
MAX_LINE_BYTES = 1_048_576


class InvalidFileError(ValueError):
    """The file as a whole cannot be read: encoding, delimiter, header, or a bad row."""


def csv_reader(lines: Iterable[bytes]) -> CsvReader:
    """A csv reader over the decoded lines (see `text_lines`), strict on quotes."""
    return csv.reader(text_lines(lines), strict=True)


def text_lines(lines: Iterable[bytes]) -> Iterator[str]:
    """The lines decoded for `csv`, each ending in a line feed.

    A BOM is only possible on the first line. `iter_lines()` drops line ends,
    but csv needs them to keep a line break inside a quoted cell: the first
    line tells which kind of lines these are. Decoding runs in C (map) and a
    bad byte raises UnicodeDecodeError from within the reader; see
    `not_utf8`.
    """
    rest = iter(lines)
    first = next(rest, None)
    if first is None:
        return iter(())
    try:
        text = first.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise not_utf8(exc, 1) from None
    decoded = map(_DECODE, rest)
    if text.endswith("\n"):
        return chain((text,), decoded)
    return chain((text + "\n",), map(str.__add__, decoded, repeat("\n")))


_DECODE = methodcaller("decode", "utf-8")


def split_lines(chunks: Iterable[bytes], max_line: int = MAX_LINE_BYTES) -> Iterator[bytes]:
    """The lines of a byte stream read in chunks, line ends kept, in linear time.

    A line longer than `max_line` bytes raises InvalidFileError naming it, as
    soon as that is known. Line ends are those of `bytes.splitlines` (LF, CRLF,
    CR); a CRLF split across two chunks is one line end. A line's pieces are
    kept in a list and joined once: re-joining a growing prefix with each chunk
    (as botocore's `iter_lines` does) is quadratic in the line's length.
    """
    pending: list[bytes] = []
    size = 0
    number = 0
    for chunk in chunks:
        for piece in chunk.splitlines(keepends=True):
            if pending and pending[-1].endswith(b"\r"):  # a CR waits for a possible LF
                if piece == b"\n":
                    pending.append(piece)
                    piece = b""
                number += 1
                yield b"".join(pending)
                pending, size = [], 0
                if not piece:
                    continue
            pending.append(piece)
            size += len(piece)
            if size > max_line:
                raise InvalidFileError(_line_too_long(number + 1, max_line))
            if piece.endswith(b"\n"):
                number += 1
                yield b"".join(pending)
                pending, size = [], 0
    if pending:
        yield b"".join(pending)


def _line_too_long(line: int, max_line: int) -> str:
    return (
        f"line {line} is longer than {max_line:,} bytes: a row of an export is far shorter "
        "(is this a CSV export of the ERP?)"
    )


def not_utf8(exc: UnicodeDecodeError, line: int) -> InvalidFileError:
    """The error for a file whose `line` does not decode as UTF-8."""
    raw = exc.object
    if line == 1 and raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return InvalidFileError("file is UTF-16, not UTF-8: export it as CSV UTF-8")
    return InvalidFileError(
        f"file is not UTF-8 (byte 0x{raw[exc.start]:02X} at line {line}): export it as CSV UTF-8"
    )


def csv_rows(lines: Iterable[bytes]) -> Iterator[tuple[int, list[str] | csv.Error]]:
    """The rows that are not blank, with the physical line each starts on.

    A row that is not valid CSV comes as the csv.Error in its place; reading
    goes on from the next line. (The validation has this loop inline: see
    `dunning.domain.imports.validation`.)
    """
    reader = csv_reader(lines)
    last = 0  # the last physical line read: a row starts on the next one
    while True:
        try:
            for row in reader:
                line, last = last + 1, reader.line_num
                if (not row or not row[0] or row[0].isspace()) and is_blank(row):
                    continue
                yield line, row
            return
        except csv.Error as exc:
            yield last + 1, exc
            last = reader.line_num
        except UnicodeDecodeError as exc:
            raise not_utf8(exc, reader.line_num + 1) from None


def is_blank(row: list[str]) -> bool:
    """Whether a row read is blank: a blank line reads as [], and ",,," is blank too.

    Callers test `not row or not row[0] or row[0].isspace()` first, inline: it
    rules out almost every row without a call.
    """
    return not row or (not row[0].strip() and not "".join(row).strip())


def csv_problem(exc: csv.Error) -> Problem:
    """What is wrong with a row that is not valid CSV, for a person."""
    # csv has one exception type for everything: its message is all there is.
    text = str(exc)
    if "field larger than field limit" in text:
        limit = csv.field_size_limit()
        message = f"a cell is longer than {limit:,} characters"
        return Problem("", "", ErrorCode.FIELD_TOO_LONG, message)
    if "unexpected end of data" in text:
        message = "a quoted cell is still open at the end of the file"
        return Problem("", "", ErrorCode.MALFORMED_ROW, message)
    if "expected after" in text:
        message = "text after the closing quote of a cell: quote the whole cell"
        return Problem("", "", ErrorCode.MALFORMED_ROW, message)
    return Problem("", "", ErrorCode.MALFORMED_ROW, f"not valid CSV: {text}")
