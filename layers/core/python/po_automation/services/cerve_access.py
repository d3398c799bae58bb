"""Building the Cerve client a function uses: settings, secret, metrics, time budget."""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools.metrics import MetricUnit

from po_automation.cerve.client import CerveClient
from po_automation.observability import metrics
from po_automation.services.secrets import cerve_secret
from po_automation.settings import Settings


def _count(name: str, value: float) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def build_client(
    settings: Settings, remaining_time_ms: Callable[[], int] | None = None
) -> CerveClient:
    """A client that reads credentials from the Cerve secret (forced re-read on rotation),
    counts 401s, retries and 429s as metrics, and never retries past the Lambda's deadline."""
    return CerveClient(
        settings.cerve_base_url,
        settings.resolved_cerve_auth_url,
        cerve_secret,
        timeout_s=settings.cerve_timeout_s,
        rate_limit_per_s=settings.cerve_rate_limit_per_s,
        remaining_time_ms=remaining_time_ms,
        metrics=_count,
    )
