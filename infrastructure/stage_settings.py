"""Per-stage settings from cdk.json, validated at synth time.

Each stage (`dev`, `prod`) is one entry under the `stages` context key. A typo or a missing
key fails `cdk synth` with an error that names the stage and the key, before any template
is written; nothing here calls AWS.
"""

from __future__ import annotations

import re
from decimal import ROUND_FLOOR, Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationError,
    field_validator,
    model_validator,
)

# CloudWatch Logs accepts only these retention periods.
LOG_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
     2557, 2922, 3288, 3653}
)  # fmt: skip

FUNCTION_NAMES = (
    "source_sync",
    "price_sync",
    "catalog_sync",
    "generate_drafts",
    "request_approval",
    "record_decision",
    "submit_po",
    "webhook_receiver",
    "apply_events",
    "erp_export",
    "reconcile_pos",
)
SCHEDULED_FUNCTIONS = (
    "source_sync",
    "price_sync",
    "catalog_sync",
    "generate_drafts",
    "erp_export",
    "reconcile_pos",
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# EventBridge Scheduler syntax: cron has six fields, rate has a value and a unit.
_SCHEDULE = re.compile(
    r"^(cron\((\S+ ){5}\S+\)|rate\([1-9]\d* (minute|minutes|hour|hours|day|days)\))$"
)


class StageSettingsError(ValueError):
    """cdk.json holds no usable settings for the requested stage."""


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"not an e-mail address: {value!r}")
    return value


def _schedule(value: str) -> str:
    if not _SCHEDULE.match(value):
        raise ValueError(
            f"not an EventBridge Scheduler expression: {value!r} "
            "(use 'cron(min hour day month weekday year)' or 'rate(15 minutes)')"
        )
    return value


Email = Annotated[str, AfterValidator(_email)]
ScheduleExpression = Annotated[str, AfterValidator(_schedule)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Schedules(_Strict):
    """When each scheduled function runs, read in the stage's time zone."""

    source_sync: ScheduleExpression
    price_sync: ScheduleExpression
    catalog_sync: ScheduleExpression
    generate_drafts: ScheduleExpression
    erp_export: ScheduleExpression
    reconcile_pos: ScheduleExpression


class AlarmEmails(_Strict):
    oncall: list[Email] = Field(min_length=1)
    procurement: list[Email] = Field(min_length=1)


class AlarmThresholds(_Strict):
    """Counts within `period_minutes` that raise an alarm to on-call."""

    cerve_unauthorized: int = Field(default=3, ge=1)
    webhook_signature_rejected: int = Field(default=10, ge=1)
    cerve_validation_failed: int = Field(default=3, ge=1)
    # Engineering faults: one is enough to page.
    cerve_auth_failed: int = Field(default=1, ge=1)
    idempotency_key_reused: int = Field(default=1, ge=1)
    period_minutes: int = Field(default=5, ge=1, le=60)


class ApiThrottle(_Strict):
    rate_limit: int = Field(ge=1, le=10_000, description="steady requests per second")
    burst_limit: int = Field(ge=1, le=5_000)


class StageSettings(_Strict):
    """One stage's settings, the `stages.<stage>` object in cdk.json."""

    account: str | None = Field(default=None, pattern=r"^\d{12}$")
    region: str = Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    timezone: str = "Europe/London"
    schedules: Schedules
    # Buying rules (po_automation.settings.Settings reads them from the environment).
    currency: str = Field(default="GBP", pattern=r"^[A-Z]{3}$")
    auto_approve_max_total: Decimal = Field(gt=0)
    price_flag_ratio: Decimal = Field(default=Decimal("1.10"), gt=1)
    quantity_flag_ratio: Decimal = Field(default=Decimal("3"), gt=1)
    price_cache_ttl_minutes: int = Field(default=15, ge=1, le=1440)
    planning_horizon_days: int = Field(default=7, ge=1, le=60)
    review_period_days: int = Field(default=1, ge=1, le=30)
    reconcile_after_hours: int = Field(default=6, ge=1, le=168)
    # Cerve
    cerve_base_url: HttpUrl
    cerve_auth_url: HttpUrl | None = None
    cerve_rate_limit_per_s: Decimal = Field(gt=0, le=1000)
    cerve_timeout_s: float = Field(default=10.0, gt=0, le=60)
    # The pace one price-sync worker is planned at: its thread pool keeps this many calls a
    # second going against Cerve's latency. The fan-out runs limit / this many workers.
    price_sync_worker_rate_per_s: Decimal = Field(default=Decimal("5"), gt=0, le=1000)
    # Operations
    alarm_emails: AlarmEmails
    alarm_thresholds: AlarmThresholds = AlarmThresholds()
    log_retention_days: int
    log_level: str = Field(default="INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")
    api_throttle: ApiThrottle
    reserved_concurrency: dict[str, int] = Field(default_factory=dict)
    retain_data: bool = Field(
        default=True, description="keep tables when the stack is deleted (prod: true)"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone: {value!r}") from exc
        return value

    @field_validator("log_retention_days")
    @classmethod
    def _allowed_retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            allowed = ", ".join(str(d) for d in sorted(LOG_RETENTION_DAYS))
            raise ValueError(f"CloudWatch Logs allows only {allowed}")
        return value

    @field_validator("reserved_concurrency")
    @classmethod
    def _known_functions(cls, value: dict[str, int]) -> dict[str, int]:
        for name, count in value.items():
            if name not in FUNCTION_NAMES:
                raise ValueError(f"unknown function {name!r}; known: {', '.join(FUNCTION_NAMES)}")
            if count < 1:
                raise ValueError(f"{name}: reserved concurrency must be at least 1")
        return value

    @model_validator(mode="after")
    def _price_sync_reservation_matches_the_fan_out(self) -> StageSettings:
        # Reserved concurrency is what holds the fan-out under Cerve's limit when runs
        # overlap: more would let a second run add workers, fewer would throttle the map.
        reserved = self.reserved_concurrency.get("price_sync")
        if reserved is not None and reserved != self.price_sync_concurrency:
            raise ValueError(
                f"reserved_concurrency.price_sync must equal the price-sync fan-out, "
                f"{self.price_sync_concurrency} (cerve_rate_limit_per_s "
                f"{self.cerve_rate_limit_per_s} / price_sync_worker_rate_per_s "
                f"{self.price_sync_worker_rate_per_s}, rounded down), got {reserved}"
            )
        return self

    @property
    def price_sync_concurrency(self) -> int:
        """Price-sync workers at once: as many full-pace workers as Cerve's limit allows."""
        ratio = self.cerve_rate_limit_per_s / self.price_sync_worker_rate_per_s
        return max(1, int(ratio.to_integral_value(rounding=ROUND_FLOOR)))

    @property
    def price_sync_rate_share_per_s(self) -> Decimal:
        """Each worker's share of Cerve's limit; shares times workers never exceed it."""
        return self.cerve_rate_limit_per_s / self.price_sync_concurrency

    @property
    def cerve_auth_url_str(self) -> str:
        """Empty means: derive it from the base URL, as po_automation.settings does."""
        return str(self.cerve_auth_url) if self.cerve_auth_url else ""

    @property
    def cerve_base_url_str(self) -> str:
        return str(self.cerve_base_url).rstrip("/")


def _describe(error: Any) -> str:
    key = ".".join(str(part) for part in error["loc"]) or "(root)"
    if error["type"] == "missing":
        return f"{key}: missing"
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key (typo?)"
    return f"{key}: {error['msg']} (got {error.get('input')!r})"


def load_stage_settings(stages: Any, stage: str | None) -> StageSettings:
    """Validate `stages[stage]` from the CDK context; raise naming the stage and the key."""
    if not stage:
        raise StageSettingsError("no stage selected: pass `-c stage=dev` or `-c stage=prod`")
    if not isinstance(stages, dict) or not stages:
        raise StageSettingsError("cdk.json context has no `stages` object")
    if stage not in stages:
        known = ", ".join(sorted(stages))
        raise StageSettingsError(f"unknown stage {stage!r}: cdk.json `stages` defines {known}")
    try:
        return StageSettings.model_validate(stages[stage])
    except ValidationError as exc:
        problems = "; ".join(_describe(e) for e in exc.errors())
        raise StageSettingsError(
            f"cdk.json stage {stage!r} is invalid (stages.{stage}.<key>): {problems}"
        ) from None
