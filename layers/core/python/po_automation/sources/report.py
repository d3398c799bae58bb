"""What an adapter hands back: the records it could read and the rows it could not.

A bad row never stops a load: it becomes a `RowError` naming the file, the physical line
(the header is line 1) and the reason, and the rest of the file is still read. A missing
required column is different: nothing in the file can be trusted, so it raises
`MissingColumnError` before any row is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RowError:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


class MissingColumnError(ValueError):
    """The file's header lacks a column the adapter needs."""

    def __init__(self, file: str, column: str, header: list[str]) -> None:
        self.file = file
        self.column = column
        self.header = header
        super().__init__(
            f"{file}: missing required column {column!r} (header has: {', '.join(header)})"
        )


@dataclass(slots=True)
class SourceResult(Generic[T]):
    """One file's records, its bad rows, and how many data rows it held."""

    file: str
    records: list[T] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_read: int = 0  # data rows, good and bad, header and blank lines excluded


@dataclass(slots=True)
class StockSnapshotResult(SourceResult[T]):
    """A WMS snapshot also says when it was taken (the latest `snapshot_at` seen)."""

    as_of: datetime | None = None
