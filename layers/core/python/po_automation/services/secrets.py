"""The secrets: Cerve's (client credentials, webhook signing secret) and Slack's (URL).

In AWS each is a Secrets Manager secret (JSON) read through Powertools parameters, which
caches it per container; `force_fetch` re-reads it after a credential rotation. They are
two secrets so that the status-change notifier, which needs only the Slack URL, cannot
read Cerve's credentials. Locally (no CERVE_SECRET_NAME / SLACK_SECRET_NAME) the same
values come from the environment or `.env`. Values never reach a log line: callers get
them, nothing here prints them.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from aws_lambda_powertools.utilities import parameters

from po_automation.settings import get_settings

_ENV_KEYS = {
    "client_id": "CERVE_CLIENT_ID",
    "client_secret": "CERVE_CLIENT_SECRET",
    "webhook_signing_secret": "CERVE_WEBHOOK_SECRET",
}
SLACK_ENV = "SLACK_WEBHOOK_URL"
CACHE_SECONDS = 300

# botocore's DEBUG lines include whole response bodies, GetSecretValue's among them: keep
# them off even when a function runs at LOG_LEVEL=DEBUG or a test turns the root to DEBUG.
for _name in ("botocore", "boto3", "urllib3"):
    logging.getLogger(_name).setLevel(logging.INFO)


def _json_secret(name: str, force_fetch: bool) -> dict[str, Any]:
    value = parameters.get_secret(
        name, transform="json", force_fetch=force_fetch, max_age=CACHE_SECONDS
    )
    if not isinstance(value, dict):
        raise ValueError(f"secret {name} must be a JSON object")  # the name is not secret
    return value


def cerve_secret(force_fetch: bool = False) -> dict[str, Any]:
    name = get_settings().cerve_secret_name
    if not name:
        return {key: os.environ.get(env, "") for key, env in _ENV_KEYS.items()}
    return _json_secret(name, force_fetch)


def slack_webhook_url(force_fetch: bool = False) -> str | None:
    """The Slack incoming-webhook URL, or None when Slack is off (empty or unset)."""
    name = get_settings().slack_secret_name
    raw = (
        os.environ.get(SLACK_ENV, "")
        if not name
        else _json_secret(name, force_fetch).get("webhook_url")
    )
    return str(raw or "").strip() or None


def webhook_signing_secrets(force_fetch: bool = False) -> list[str]:
    """Every signing secret in force: during a rotation the old and new, space-separated."""
    raw = str(cerve_secret(force_fetch).get("webhook_signing_secret", ""))
    return [s for s in raw.split() if s]
