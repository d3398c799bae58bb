"""Every setting a function reads, validated once per container.

The CDK stack sets these as Lambda environment variables; locally they come from the
environment or `.env` (see `.env.example`). A function reads only the settings it needs,
so each field has a default that is safe for tests, and `require()` names a missing one.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    stage: str = "local"

    # Storage
    po_table_name: str = ""
    price_cache_table_name: str = ""
    inventory_table_name: str = ""
    idempotency_table_name: str = ""
    import_bucket_name: str = ""  # where Salesforce, WMS and SAP exports land
    export_bucket_name: str = ""  # nightly ERP reconciliation CSVs

    # Messaging and workflows
    webhook_queue_url: str = ""
    approval_state_machine_arn: str = ""
    decision_state_machine_arn: str = ""  # `fc-po approve|reject|edit` start this workflow
    webhook_dlq_arn: str = ""  # `fc-po redrive-dlq` moves its messages back to the queue
    procurement_topic_arn: str = ""
    oncall_topic_arn: str = ""
    event_bus_name: str = ""

    # Cerve
    cerve_base_url: str = "https://api.sandbox.cerve.com"
    cerve_auth_url: str = ""  # default derived from the base URL, as the brief does
    cerve_secret_name: str = ""  # Secrets Manager secret: client id/secret, signing secret
    # Secrets Manager secret {"webhook_url"}: Slack status updates; empty URL = Slack off.
    # Separate from the Cerve secret so the notifier never gets to read Cerve credentials.
    slack_secret_name: str = ""
    cerve_rate_limit_per_s: Decimal = Decimal("10")
    cerve_timeout_s: float = 10.0

    # Buying rules
    currency: str = "GBP"
    auto_approve_max_total: Decimal = Decimal("500")
    price_flag_ratio: Decimal = Decimal("1.10")  # price > 110% of last paid is flagged
    quantity_flag_ratio: Decimal = Decimal("3")  # quantity > 3x usual is flagged
    price_cache_ttl_minutes: int = 15
    planning_horizon_days: int = 2  # beyond lead time: how far ahead a SKU may need buying
    review_period_days: int = 1
    reconcile_after_hours: int = 6  # ask Cerve about POs silent for this long

    timezone: str = Field(default="Europe/London")

    @property
    def resolved_cerve_auth_url(self) -> str:
        if self.cerve_auth_url:
            return self.cerve_auth_url
        return f"{self.cerve_base_url.replace('api.', 'auth.')}/oauth/token"

    def require(self, *names: str) -> None:
        """Fail fast, naming every setting this function needs but did not get."""
        missing = [n for n in names if not getattr(self, n)]
        if missing:
            raise RuntimeError("missing settings: " + ", ".join(n.upper() for n in missing))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
