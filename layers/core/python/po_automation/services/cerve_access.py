"""Building the Cerve client a function uses: settings, secret, metrics, time budget."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache

from aws_lambda_powertools.metrics import MetricUnit

from po_automation.cerve.client import CerveClient
from po_automation.observability import metrics
from po_automation.services.secrets import cerve_secret
from po_automation.settings import Settings


def _count(name: str, value: float) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


@lru_cache(maxsize=4)
def _client(
    base_url: str, auth_url: str, timeout_s: float, rate_limit_per_s: Decimal
) -> CerveClient:
    return CerveClient(
        base_url,
        auth_url,
        cerve_secret,
        timeout_s=timeout_s,
        rate_limit_per_s=rate_limit_per_s,
        metrics=_count,
    )


def build_client(
    settings: Settings, remaining_time_ms: Callable[[], int] | None = None
) -> CerveClient:
    """The container's client: one token cache, connection pool and rate limiter shared by
    every invocation. Credentials come from the Cerve secret (re-read once, forced, after a
    rotation); 401s, retries and 429s become metrics; no retry outlives this invocation's
    remaining time."""
    client = _client(
        settings.cerve_base_url,
        settings.resolved_cerve_auth_url,
        settings.cerve_timeout_s,
        settings.cerve_rate_limit_per_s,
    )
    client.remaining_time_ms = remaining_time_ms
    return client
