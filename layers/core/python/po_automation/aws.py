"""boto3 clients and tables, created once per container and reused across invocations.

Created lazily so importing a handler costs nothing (cold start), and cached per region
and endpoint so tests that switch moto backends or environments get fresh clients after
`reset_clients()`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3


@cache
def client(service: str) -> Any:
    return boto3.client(service)  # type: ignore[call-overload]


@cache
def _dynamodb() -> Any:
    return boto3.resource("dynamodb")


def table(name: str) -> Any:
    return _dynamodb().Table(name)


def reset_clients() -> None:
    """Forget cached clients (tests and the local AWS call this between environments)."""
    client.cache_clear()
    _dynamodb.cache_clear()
