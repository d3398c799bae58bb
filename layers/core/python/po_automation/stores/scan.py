"""Reading a whole table, page by page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def scan_all(table: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item of `table` (a boto3 Table), following LastEvaluatedKey."""
    while True:
        page = table.scan(**kwargs)
        yield from page["Items"]
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
