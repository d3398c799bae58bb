"""Streaming CSV reading and strict field parsing shared by the adapters."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Container, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO, TypeVar

from po_automation.sources.report import MissingColumnError, RowError, SourceResult

Source = str | os.PathLike[str] | TextIO
T = TypeVar("T")


class BadRow(ValueError):
    """Raised while parsing one row; the loop turns it into a `RowError`."""


def label_for(source: Source, file: str | None) -> str:
    if file:
        return file
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    return str(getattr(source, "name", "<stream>"))


@contextmanager
def open_text(source: Source) -> Iterator[TextIO]:
    # utf-8-sig: SAP and Excel-touched exports often start with a byte-order mark.
    if isinstance(source, str | os.PathLike):
        with open(source, encoding="utf-8-sig", newline="") as handle:
            yield handle
    else:
        yield source


def iter_rows(
    stream: TextIO,
    result: SourceResult[Any],
    required: Sequence[str],
    *,
    delimiter: str = ",",
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (physical line, row) for each well-formed data row, one at a time.

    Counts data rows into `result.rows_read`; rows with the wrong number of fields are
    reported in `result.errors` and not yielded.
    """
    file, errors = result.file, result.errors
    reader = csv.reader(stream, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise MissingColumnError(file, required[0], []) from None
    if header:
        header[0] = header[0].removeprefix("\ufeff")
    header = [h.strip() for h in header]
    for column in required:
        if column not in header:
            raise MissingColumnError(file, column, header)
    width = len(header)
    last_line = reader.line_num
    for values in reader:
        line = last_line + 1  # a quoted field may span lines; report where the row starts
        last_line = reader.line_num
        if not values or (len(values) == 1 and not values[0].strip()):
            continue
        result.rows_read += 1
        if len(values) != width:
            errors.append(RowError(file, line, f"expected {width} fields, found {len(values)}"))
            continue
        yield line, dict(zip(header, values, strict=True))


def consume(
    rows: Iterator[tuple[int, dict[str, str]]],
    result: SourceResult[Any],
    parse: Callable[[dict[str, str]], T],
) -> Iterator[T]:
    """Parse each row, turning `BadRow` into a `RowError` and moving on."""
    for line, row in rows:
        try:
            yield parse(row)
        except BadRow as exc:
            result.errors.append(RowError(result.file, line, str(exc)))


def text(row: dict[str, str], column: str, *, required: bool = True) -> str:
    value = row[column].strip()
    if required and not value:
        raise BadRow(f"{column} is empty")
    return value


def decimal(row: dict[str, str], column: str, *, allow_negative: bool = False) -> Decimal:
    raw = row[column].strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise BadRow(f"{column} is not a number: {raw!r}") from None
    if not value.is_finite():
        raise BadRow(f"{column} is not a number: {raw!r}")
    if value < 0 and not allow_negative:
        raise BadRow(f"{column} is negative: {raw!r}")
    return value


def optional_decimal(row: dict[str, str], column: str) -> Decimal | None:
    return decimal(row, column) if row[column].strip() else None


def integer(row: dict[str, str], column: str) -> int:
    raw = row[column].strip()
    try:
        value = int(raw)
    except ValueError:
        raise BadRow(f"{column} is not a whole number: {raw!r}") from None
    if value < 0:
        raise BadRow(f"{column} is negative: {raw!r}")
    return value


class DateParser:
    """Parses one date format, caching results: exports repeat a few hundred dates."""

    def __init__(self, fmt: str, shown: str) -> None:
        self._fmt = fmt
        self._shown = shown
        self._cache: dict[str, date] = {}

    def __call__(self, row: dict[str, str], column: str) -> date:
        raw = row[column].strip()
        parsed = self._cache.get(raw)
        if parsed is None:
            try:
                parsed = datetime.strptime(raw, self._fmt).date()  # noqa: DTZ007 - a date
            except ValueError:
                raise BadRow(f"{column} is not a valid date ({self._shown}): {raw!r}") from None
            if len(self._cache) < 100_000:
                self._cache[raw] = parsed
        return parsed

    def optional(self, row: dict[str, str], column: str) -> date | None:
        return self(row, column) if row[column].strip() else None


def check_known_sku(sku: str, known_skus: Container[str] | None) -> None:
    if known_skus is not None and sku not in known_skus:
        raise BadRow(f"unknown SKU {sku!r}")


def as_stream(data: str) -> TextIO:
    """Wrap CSV text as a stream (tests, S3 bodies already decoded)."""
    return io.StringIO(data, newline="")
