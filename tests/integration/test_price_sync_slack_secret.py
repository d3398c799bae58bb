"""The Slack URL comes from its own secret, cached, and is never logged."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from po_automation.services import secrets
from po_automation.settings import get_settings


@pytest.fixture
def slack_secret(monkeypatch) -> Iterator[object]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    monkeypatch.setenv("SLACK_SECRET_NAME", "fc-po/test/slack")
    monkeypatch.delenv("SLACK_WEBHOOK_URL", raising=False)
    get_settings.cache_clear()
    parameters.clear_caches()
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="eu-west-2")
        client.create_secret(Name="fc-po/test/slack", SecretString=json.dumps({"webhook_url": ""}))
        yield client
    get_settings.cache_clear()
    parameters.clear_caches()


def test_empty_url_means_slack_is_off(slack_secret) -> None:
    assert secrets.slack_webhook_url() is None


def test_url_is_read_from_the_slack_secret_and_cached(slack_secret) -> None:
    url = "https://hooks.slack.com/services/T000/B000/XXXX"
    slack_secret.put_secret_value(
        SecretId="fc-po/test/slack", SecretString=json.dumps({"webhook_url": url})
    )
    assert secrets.slack_webhook_url() == url
    slack_secret.put_secret_value(
        SecretId="fc-po/test/slack", SecretString=json.dumps({"webhook_url": ""})
    )
    assert secrets.slack_webhook_url() == url  # cached for CACHE_SECONDS
    assert secrets.slack_webhook_url(force_fetch=True) is None


def test_locally_the_url_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.delenv("SLACK_SECRET_NAME", raising=False)
    monkeypatch.setenv("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/local")
    get_settings.cache_clear()
    try:
        assert secrets.slack_webhook_url() == "https://hooks.slack.com/services/local"
    finally:
        get_settings.cache_clear()
