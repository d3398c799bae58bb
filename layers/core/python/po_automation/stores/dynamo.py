"""Decimal-safe conversion between Python values and DynamoDB items.

boto3's resource layer stores `Decimal` exactly as a DynamoDB Number, but rejects floats
only at call time and returns every number as `Decimal`. These helpers make the rule
explicit at our boundary: a float is a bug (money would be inexact), so it raises here
with the path that held it, and JSON output renders Decimal as a string.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any


class FloatNotAllowed(TypeError):
    pass


def to_dynamo(value: Any, path: str = "$") -> Any:
    """A value DynamoDB stores exactly: Decimal kept, dates as ISO text, None dropped."""
    if isinstance(value, bool | str | Decimal) or value is None:
        return value
    if isinstance(value, float):
        raise FloatNotAllowed(f"float at {path}: use Decimal for money and quantities")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Enum):
        return to_dynamo(value.value, path)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_dynamo(v, f"{path}.{k}") for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [to_dynamo(v, f"{path}[{i}]") for i, v in enumerate(value)]
    raise TypeError(f"cannot store {type(value).__name__} at {path}")


def to_int(value: Any) -> int:
    return int(value) if value is not None else 0


def to_decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, float):
        raise FloatNotAllowed("float read where a Decimal was expected")
    return Decimal(str(value)) if not isinstance(value, Decimal) else value


def parse_datetime(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def parse_date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def json_default(value: Any) -> Any:
    """`json.dumps(..., default=json_default)`: Decimal as a string, never a float."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any) -> str:
    return json.dumps(value, default=json_default, separators=(",", ":"))
