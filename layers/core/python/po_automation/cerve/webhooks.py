"""Verifying Cerve's webhooks (Standard Webhooks 1.0) before anything reads them.

`standardwebhooks.Webhook.sign` computes the HMAC; this module adds what its `verify` lacks
for a receiver: an injectable clock, several secrets during a rotation, and no crash on a
malformed `webhook-signature` header (its `verify` raises ValueError there, which would
become a 500). Bad or missing signatures raise `WebhookSignatureError` (answer 401); a
correctly signed body that is not a usable event raises `MalformedWebhook` (answer 400).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from .models import CerveWebhookEvent

TOLERANCE = timedelta(minutes=5)  # Standard Webhooks' replay window


class WebhookSignatureError(WebhookVerificationError):
    """Missing, malformed, stale or non-matching signature: the sender is not trusted."""


class MalformedWebhook(ValueError):
    """Signed correctly, but the body is not JSON or not a Cerve event (no id, no type)."""


def _signatures(header: str) -> list[bytes]:
    """The decodable `v1,` signatures of a header; anything else is ignored."""
    found = []
    for entry in header.split():
        version, sep, encoded = entry.partition(",")
        if version != "v1" or not sep:
            continue
        try:
            found.append(base64.b64decode(encoded, validate=True))
        except (binascii.Error, ValueError):
            continue
    return found


def _webhooks(secrets: Sequence[str]) -> list[Webhook]:
    if not secrets:
        raise ValueError("no webhook signing secret is configured")
    verifiers = []
    for i, secret in enumerate(secrets):
        try:
            verifiers.append(Webhook(secret))
        except Exception:
            # Name the position only: the value is a secret.
            raise ValueError(f"webhook signing secret #{i + 1} is not valid base64") from None
    return verifiers


def verify_webhook(
    headers: Mapping[str, str],
    body: bytes | str,
    secrets: Sequence[str],
    now: datetime | None = None,
) -> dict[str, Any]:
    """The event as a dict, once its signature matches one of `secrets` within 5 minutes."""
    verifiers = _webhooks(secrets)
    lowered = {str(k).lower(): v for k, v in headers.items()}
    msg_id = lowered.get("webhook-id")
    timestamp_header = lowered.get("webhook-timestamp")
    signature_header = lowered.get("webhook-signature")
    if not (msg_id and timestamp_header and signature_header):
        raise WebhookSignatureError("missing webhook-id, webhook-timestamp or webhook-signature")

    try:
        timestamp = datetime.fromtimestamp(int(timestamp_header.strip()), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise WebhookSignatureError("webhook-timestamp is not Unix seconds") from None
    current = now or datetime.now(UTC)
    if timestamp < current - TOLERANCE:
        raise WebhookSignatureError("webhook timestamp is too old")
    if timestamp > current + TOLERANCE:
        raise WebhookSignatureError("webhook timestamp is too far in the future")

    offered = _signatures(signature_header)
    if not offered:
        raise WebhookSignatureError("webhook-signature has no well-formed v1 signature")
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError:
        raise MalformedWebhook("webhook body is not UTF-8") from None

    matched = False
    for verifier in verifiers:
        expected = base64.b64decode(verifier.sign(msg_id, timestamp, text).partition(",")[2])
        matched = any(hmac.compare_digest(expected, sig) for sig in offered) or matched
    if not matched:
        raise WebhookSignatureError("no webhook signature matches")

    try:
        payload = json.loads(text)
    except ValueError:
        raise MalformedWebhook("webhook body is not JSON") from None
    if not isinstance(payload, dict):
        raise MalformedWebhook("webhook body is not a JSON object")
    try:
        CerveWebhookEvent.model_validate(payload)
    except ValidationError as exc:
        fields = ", ".join(
            ".".join(str(p) for p in e["loc"]) for e in exc.errors(include_input=False)[:5]
        )
        raise MalformedWebhook(f"webhook event is missing or has bad fields: {fields}") from None
    return payload


def parse_event(payload: Mapping[str, Any]) -> CerveWebhookEvent:
    """A verified event's typed form."""
    return CerveWebhookEvent.model_validate(payload)
