"""No secret reaches a log line, wherever the functions write them.

Runs the deployed handlers' code paths that touch secrets, at DEBUG, with the secret in
moto's Secrets Manager as in AWS: the token path (a fresh token, an expired one, a
revoked one → 401 and a refresh), an invalid_client after rotation, and the webhook
receiver with good and bad signatures. Powertools writes JSON logs to stdout, so both
stdout and the logging records are searched.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from standardwebhooks.webhooks import Webhook

from po_automation.services import cerve_access
from po_automation.settings import get_settings
from po_automation.stores.price_cache import PriceCacheStore, ProductMapping
from sandbox.cerve_emulator import CerveEmulator
from sandbox.local_tables import create_keyed_table
from tests.integration.lifecycle_support import FakeContext, lifecycle_env, load_handler

SEED = Path(__file__).resolve().parents[2] / "sandbox" / "cerve_seed.json"


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with mock_aws(), CerveEmulator.running(SEED) as emu:
        secrets = boto3.client("secretsmanager", region_name="eu-west-2")
        secrets.create_secret(
            Name="fc-po/test/cerve",
            SecretString=json.dumps(
                {
                    "client_id": emu.client_id,
                    "client_secret": emu.client_secret,
                    "webhook_signing_secret": emu.webhook_secret,
                }
            ),
        )
        url = boto3.client("sqs", region_name="eu-west-2").create_queue(QueueName="wh")["QueueUrl"]
        ddb = boto3.resource("dynamodb", region_name="eu-west-2")
        table = create_keyed_table(ddb, "prices")
        PriceCacheStore(table).put_mappings(
            [ProductMapping("FC-PR-101", emu.seed.products[0].id)], datetime.now(UTC)
        )
        lifecycle_env(
            monkeypatch,
            LOG_LEVEL="DEBUG",
            POWERTOOLS_LOGGER_LOG_EVENT="true",
            CERVE_SECRET_NAME="fc-po/test/cerve",
            CERVE_WEBHOOK_SECRET="",
            CERVE_BASE_URL=emu.base_url,
            CERVE_AUTH_URL=emu.auth_url,
            WEBHOOK_QUEUE_URL=url,
            PRICE_CACHE_TABLE_NAME="prices",
        )
        cerve_access._client.cache_clear()
        yield {"emu": emu}
        cerve_access._client.cache_clear()


def _signed(emu: CerveEmulator, payload: str, secret: str | None = None) -> dict[str, str]:
    now = datetime.now(UTC)
    signature = Webhook(secret or emu.webhook_secret).sign("msg_1", now, payload)
    return {
        "Webhook-Id": "msg_1",
        "Webhook-Timestamp": str(int(now.timestamp())),
        "Webhook-Signature": signature,
        "Content-Type": "application/json",
    }


def test_no_secret_in_any_log_line(
    world: dict[str, Any], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    emu: CerveEmulator = world["emu"]
    caplog.set_level(logging.DEBUG)
    client = cerve_access.build_client(get_settings())

    # Token path: a token, then an expired one, then a revoked one (401 → one refresh).
    issued: set[str] = set()
    client.get_pricing(emu.seed.products[0].id)
    issued |= set(emu.tokens._tokens)
    emu.expire_tokens()
    client.get_pricing(emu.seed.products[0].id)
    issued |= set(emu.tokens._tokens)
    emu.revoke_tokens()
    client.get_availability(emu.seed.products[0].id)
    issued |= set(emu.tokens._tokens)
    old_secret = emu.client_secret
    # A rotation nobody copied into Secrets Manager: invalid_client, forced re-read, alert.
    emu.rotate_credentials(revoke_tokens=True)
    with pytest.raises(Exception, match="invalid_client") as refused:
        client.get_pricing(emu.seed.products[0].id)

    # Webhook path: a valid event, a forged one, and one signed with an unknown secret.
    receiver = load_handler("webhook_receiver")
    payload = json.dumps(
        {
            "id": "evt_1",
            "type": "po.status",
            "created_at": "2026-12-03T10:15:00Z",
            "data": {
                "purchase_order_id": "po_1",
                "status": "accepted",
                "occurred_at": "2026-12-03T10:14:58Z",
            },
        }
    )
    for headers in (
        _signed(emu, payload),
        {**_signed(emu, payload), "Webhook-Signature": "v1,Zm9yZ2VkIHNpZ25hdHVyZQ=="},
        _signed(emu, payload, secret="whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"),
    ):
        event = {
            "httpMethod": "POST",
            "path": "/webhooks/cerve",
            "resource": "/webhooks/cerve",
            "headers": headers,
            "body": payload,
            "isBase64Encoded": False,
            "requestContext": {"requestId": "r1", "stage": "prod"},
        }
        receiver.handler(event, FakeContext())

    logged = capsys.readouterr().out + "\n".join(r.getMessage() for r in caplog.records)
    logged += str(refused.value)
    assert len(issued) >= 3 and logged.strip(), "the paths ran and logged something"
    for secret in [old_secret, emu.client_secret, emu.webhook_secret, *issued]:
        assert secret not in logged
    assert "Authorization" not in logged and "Bearer " not in logged
