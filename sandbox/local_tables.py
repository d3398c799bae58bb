"""The stack's DynamoDB tables, created on moto for tests and benchmarks.

Kept to the CDK definitions in `infrastructure/constructs/storage.py` (the local AWS deploys
the real template; these are for code that only needs a table or two).
"""

from __future__ import annotations

from typing import Any

PO_INDEXES = [
    {
        "IndexName": "by_status",
        "KeySchema": [
            {"AttributeName": "status", "KeyType": "HASH"},
            {"AttributeName": "updated_at", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    },
    {
        "IndexName": "by_cerve_id",
        "KeySchema": [{"AttributeName": "cerve_po_id", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"},
    },
]


def create_po_table(ddb: Any, name: str) -> Any:
    """The purchase-order table: `pk` only; GSIs `by_status` and `by_cerve_id`."""
    return ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": n, "AttributeType": "S"}
            for n in ("pk", "status", "updated_at", "cerve_po_id")
        ],
        GlobalSecondaryIndexes=PO_INDEXES,
    )


def create_keyed_table(ddb: Any, name: str) -> Any:
    """The price cache and inventory tables: `pk` and `sk`."""
    return ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
    )
