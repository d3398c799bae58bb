"""cdk.json stage settings fail synth with an error naming the stage and the key."""

from __future__ import annotations

import copy
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from infrastructure.app_builder import context_flag
from infrastructure.stage_settings import StageSettingsError, load_stage_settings

STAGES = json.loads((Path(__file__).resolve().parents[2] / "cdk.json").read_text())["context"][
    "stages"
]


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_cdk_json_stages_are_valid(stage: str) -> None:
    settings = load_stage_settings(STAGES, stage)
    assert settings.timezone == "Europe/London"
    assert settings.alarm_emails.oncall


def test_prod_retains_data_and_dev_does_not() -> None:
    assert load_stage_settings(STAGES, "prod").retain_data is True
    assert load_stage_settings(STAGES, "dev").retain_data is False


def test_missing_key_names_stage_and_key() -> None:
    stages = copy.deepcopy(STAGES)
    del stages["prod"]["auto_approve_max_total"]
    with pytest.raises(StageSettingsError, match=r"stage 'prod'.*auto_approve_max_total: missing"):
        load_stage_settings(stages, "prod")


def test_typo_is_reported_as_unknown_key() -> None:
    stages = copy.deepcopy(STAGES)
    stages["dev"]["log_retention_dayz"] = 14
    with pytest.raises(StageSettingsError, match=r"log_retention_dayz: unknown key"):
        load_stage_settings(stages, "dev")


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("schedules", "price_sync"), "every 15 minutes", "schedules.price_sync"),
        (("log_retention_days",), 10, "log_retention_days"),
        (("timezone",), "Europe/Londn", "timezone"),
        (("alarm_emails", "oncall"), ["not-an-address"], "alarm_emails.oncall.0"),
        (("reserved_concurrency",), {"submit_pos": 1}, "reserved_concurrency"),
        (("auto_approve_max_total",), "-1", "auto_approve_max_total"),
    ],
)
def test_wrong_values_name_the_key(path, value, expected) -> None:
    stages = copy.deepcopy(STAGES)
    target = stages["dev"]
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    with pytest.raises(StageSettingsError, match=r"stage 'dev'.*" + re.escape(expected)):
        load_stage_settings(stages, "dev")


def test_unknown_or_missing_stage_is_explained() -> None:
    with pytest.raises(StageSettingsError, match=r"unknown stage 'staging'.*dev, prod"):
        load_stage_settings(STAGES, "staging")
    with pytest.raises(StageSettingsError, match=r"-c stage=dev"):
        load_stage_settings(STAGES, None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, True), (True, True), ("false", False), ("0", False), ("true", True)],
)
def test_bundle_layer_flag_reads_cli_strings(value, expected) -> None:
    assert context_flag(value, default=True) is expected


@pytest.mark.parametrize(
    ("limit", "worker", "concurrency"),
    [("5", "5", 1), ("10", "5", 2), ("12", "5", 2), ("3", "5", 1)],
)
def test_price_sync_fan_out_is_derived_from_the_cerve_rate_limit(
    limit: str, worker: str, concurrency: int
) -> None:
    stages = copy.deepcopy(STAGES)
    stages["dev"].update(cerve_rate_limit_per_s=limit, price_sync_worker_rate_per_s=worker)
    settings = load_stage_settings(stages, "dev")
    assert settings.price_sync_concurrency == concurrency
    # Workers times their share never exceed Cerve's limit (and use all of it).
    assert settings.price_sync_concurrency * settings.price_sync_rate_share_per_s == Decimal(limit)


def test_price_sync_reservation_must_match_the_fan_out() -> None:
    stages = copy.deepcopy(STAGES)
    stages["prod"]["reserved_concurrency"]["price_sync"] = 1
    with pytest.raises(StageSettingsError, match=r"reserved_concurrency.price_sync must equal.* 2"):
        load_stage_settings(stages, "prod")
