"""Webhook signature verification: what the receiver accepts and why it refuses."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from po_automation.cerve import MalformedWebhook, WebhookSignatureError, verify_webhook

SECRET = "whsec_" + base64.b64encode(b"cerve-test-signing-secret-0001").decode()
OTHER = "whsec_" + base64.b64encode(b"cerve-test-signing-secret-0002").decode()
NOW = datetime(2026, 12, 3, 10, 15, tzinfo=UTC)
EVENT = {
    "id": "evt_000001",
    "type": "po.status",
    "created_at": "2026-12-03T10:15:00Z",
    "data": {
        "purchase_order_id": "po_000001",
        "external_reference": "FC-DRAFT-0001",
        "status": "accepted",
        "occurred_at": "2026-12-03T10:14:58Z",
        "shipment": None,
    },
}


def signed(body: str, *, secret: str = SECRET, at: datetime = NOW, msg_id: str = "evt_000001"):
    return {
        "Webhook-Id": msg_id,
        "Webhook-Timestamp": str(int(at.timestamp())),
        "Webhook-Signature": Webhook(secret).sign(msg_id, at, body),
    }


BODY = json.dumps(EVENT)


def test_valid_signature_returns_the_event():
    assert verify_webhook(signed(BODY), BODY.encode(), [SECRET], now=NOW) == EVENT


def test_lowercase_header_names_are_accepted():
    headers = {k.lower(): v for k, v in signed(BODY).items()}
    assert verify_webhook(headers, BODY, [SECRET], now=NOW)["id"] == "evt_000001"


def test_one_byte_changed_is_refused():
    tampered = BODY.replace("accepted", "acceptee")
    with pytest.raises(WebhookSignatureError, match="no webhook signature matches"):
        verify_webhook(signed(BODY), tampered.encode(), [SECRET], now=NOW)


@pytest.mark.parametrize("minutes", [-6, 6])
def test_timestamp_six_minutes_off_is_refused(minutes):
    headers = signed(BODY, at=NOW + timedelta(minutes=minutes))
    with pytest.raises(WebhookSignatureError, match="timestamp"):
        verify_webhook(headers, BODY, [SECRET], now=NOW)


@pytest.mark.parametrize("minutes", [-4, 4])
def test_timestamp_within_five_minutes_is_accepted(minutes):
    headers = signed(BODY, at=NOW + timedelta(minutes=minutes))
    assert verify_webhook(headers, BODY, [SECRET], now=NOW)["type"] == "po.status"


def test_two_signatures_one_valid_is_accepted():
    headers = signed(BODY)
    wrong = Webhook(OTHER).sign("evt_000001", NOW, BODY)
    headers["Webhook-Signature"] = f"{wrong} {headers['Webhook-Signature']}"
    assert verify_webhook(headers, BODY, [SECRET], now=NOW)["id"] == "evt_000001"


def test_rotated_secrets_accept_either_during_the_rotation():
    old_signed = signed(BODY, secret=SECRET)
    new_signed = signed(BODY, secret=OTHER)
    assert verify_webhook(old_signed, BODY, [OTHER, SECRET], now=NOW)
    assert verify_webhook(new_signed, BODY, [OTHER, SECRET], now=NOW)
    with pytest.raises(WebhookSignatureError):
        verify_webhook(old_signed, BODY, [OTHER], now=NOW)


@pytest.mark.parametrize(
    "signature",
    ["", "v1", "v1,", "v1,!!!not-base64!!!", "garbage with spaces", "v2,abc=", ",,,", "v1,a,b"],
)
def test_malformed_signature_header_is_a_signature_error_not_a_crash(signature):
    headers = signed(BODY)
    headers["Webhook-Signature"] = signature
    with pytest.raises(WebhookSignatureError):
        verify_webhook(headers, BODY, [SECRET], now=NOW)


@pytest.mark.parametrize("missing", ["Webhook-Id", "Webhook-Timestamp", "Webhook-Signature"])
def test_missing_header_is_a_signature_error(missing):
    headers = signed(BODY)
    del headers[missing]
    with pytest.raises(WebhookSignatureError, match="missing"):
        verify_webhook(headers, BODY, [SECRET], now=NOW)


def test_non_numeric_timestamp_is_a_signature_error():
    headers = signed(BODY)
    headers["Webhook-Timestamp"] = "yesterday"
    with pytest.raises(WebhookSignatureError):
        verify_webhook(headers, BODY, [SECRET], now=NOW)


def test_signature_errors_are_standard_webhooks_errors():
    assert issubclass(WebhookSignatureError, WebhookVerificationError)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json at all", "not JSON"),
        ("[1, 2, 3]", "not a JSON object"),
        (json.dumps({**EVENT, "id": ""}), "id"),
        (json.dumps({k: v for k, v in EVENT.items() if k != "id"}), "id"),
    ],
)
def test_signed_but_malformed_body_is_malformed_webhook(body, reason):
    with pytest.raises(MalformedWebhook, match=reason):
        verify_webhook(signed(body), body, [SECRET], now=NOW)


def test_unknown_fields_in_the_event_are_tolerated():
    body = json.dumps({**EVENT, "api_version": "2026-11", "data": {**EVENT["data"], "x": 1}})
    assert verify_webhook(signed(body), body, [SECRET], now=NOW)["api_version"] == "2026-11"


def test_no_configured_secret_is_a_clear_error():
    with pytest.raises(ValueError, match="no webhook signing secret"):
        verify_webhook(signed(BODY), BODY, [], now=NOW)


def test_a_bad_configured_secret_is_named_by_position_only():
    with pytest.raises(ValueError, match="#2") as raised:
        verify_webhook(signed(BODY), BODY, [SECRET, "whsec_@@@"], now=NOW)
    assert "@@@" not in str(raised.value)
