"""Physical names every part agrees on (docs/architecture.md)."""

from __future__ import annotations

PREFIX = "fc-po"
METRICS_NAMESPACE = "FreshConnect/PurchaseOrders"
# One Powertools service for every function, so each business metric has the single
# dimension `service=po-automation` that the alarms and the dashboard select on.
SERVICE_NAME = "po-automation"


def resource_name(stage: str, name: str) -> str:
    """`fc-po-<stage>-<name>`, with the handler's underscores turned into hyphens."""
    return f"{PREFIX}-{stage}-{name.replace('_', '-')}"


def secret_name(stage: str, name: str = "cerve") -> str:
    """`fc-po/<stage>/cerve` (Cerve credentials) or `fc-po/<stage>/slack` (Slack URL)."""
    return f"{PREFIX}/{stage}/{name}"
