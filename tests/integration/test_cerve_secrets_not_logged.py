"""No token, client secret, signing secret or Authorization header reaches logs or errors."""

from __future__ import annotations

import logging

import pytest

from po_automation.cerve import CerveError, MalformedWebhook, WebhookSignatureError, verify_webhook
from tests.fixtures.cerve_helpers import tomato_order

pytest_plugins = ["tests.fixtures.cerve"]


def test_nothing_secret_in_logs_or_exception_messages(
    cerve_emulator, cerve_client, secret_store, caplog
):
    caplog.set_level(logging.DEBUG)  # urllib3's and ours, at their most talkative
    messages: list[str] = []

    cerve_client.get_pricing("prd_tomato")
    cerve_emulator.faults.fail("/v1/products/*/pricing", status=503, times=2)
    cerve_client.get_pricing("prd_tomato")
    cerve_emulator.expire_tokens()
    cerve_client.create_purchase_order(tomato_order(), "draft-0001")
    cerve_emulator.faults.fail("/v1/products/*/pricing", status=401, times=None)
    for call in (
        lambda: cerve_client.get_pricing("prd_tomato"),
        lambda: cerve_client.create_purchase_order(tomato_order(quantity="30"), "draft-0001"),
    ):
        with pytest.raises(CerveError) as raised:
            call()
        messages.append(repr(raised.value))
    cerve_emulator.faults.clear()
    old_secret = secret_store.values["client_secret"]
    issued_tokens = list(cerve_emulator.tokens._tokens)
    cerve_emulator.rotate_credentials(revoke_tokens=True)
    with pytest.raises(CerveError) as raised:
        cerve_client.get_pricing("prd_milk")
    messages.append(repr(raised.value))
    for headers in (
        {"webhook-id": "x"},
        {"webhook-id": "x", "webhook-timestamp": "1", "webhook-signature": "v1,zz"},
    ):
        with pytest.raises((WebhookSignatureError, MalformedWebhook)) as bad:
            verify_webhook(headers, b"{}", [cerve_emulator.webhook_secret])
        messages.append(repr(bad.value))

    assert len(issued_tokens) >= 3, "tokens were issued, so the check below means something"
    text = caplog.text + "\n".join(messages)
    for secret in [
        old_secret,
        cerve_emulator.client_secret,
        cerve_emulator.webhook_secret,
        *issued_tokens,
    ]:
        assert secret not in text
    assert "authorization" not in text.lower()
    assert "bearer" not in text.lower()
