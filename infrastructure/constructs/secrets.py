"""The Cerve and Slack secrets (docs/architecture.md, "Secrets").

Two secrets, not one with an optional Slack key: the status-change notifier (apply_events)
needs the Slack URL and must not be able to read Cerve's credentials.
"""

from __future__ import annotations

import json

from aws_cdk import RemovalPolicy, SecretValue
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infrastructure.nag import acknowledge
from infrastructure.naming import resource_name, secret_name

PLACEHOLDER = "REPLACE_ME"
# JSON keys the functions read.
SECRET_KEYS = ("client_id", "client_secret", "webhook_signing_secret")
SLACK_SECRET_KEYS = ("webhook_url",)


class Secrets(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: str) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            alias=f"alias/{resource_name(stage, 'secrets')}",
            description="Encrypts the Cerve credentials, webhook signing secret and Slack URL",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.name = secret_name(stage)
        # Operators put the real values (README.md). The signing secret starts as
        # a random value nobody knows, so no webhook verifies until Cerve's secret is set.
        self.secret = secretsmanager.Secret(
            self,
            "Cerve",
            secret_name=self.name,
            description="Cerve OAuth client credentials and webhook signing secret",
            encryption_key=self.key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps(
                    {"client_id": PLACEHOLDER, "client_secret": PLACEHOLDER}
                ),
                generate_string_key="webhook_signing_secret",
                exclude_punctuation=True,
                password_length=32,
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.secret,
            "SMG4",
            "Cerve issues the client secret and the webhook signing secret; they are rotated "
            "in Cerve's console and then put here (runbook in README.md), so a "
            "rotation Lambda could not obtain new values.",
        )

        self.slack_name = secret_name(stage, "slack")
        # An empty URL means Slack is off; operators put the incoming-webhook URL.
        self.slack = secretsmanager.Secret(
            self,
            "Slack",
            secret_name=self.slack_name,
            description="Slack incoming-webhook URL for PO status changes; empty = Slack off",
            encryption_key=self.key,
            secret_object_value={"webhook_url": SecretValue.unsafe_plain_text("")},
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.slack,
            "SMG4",
            "Slack issues the incoming-webhook URL; it is replaced in Slack and then put here "
            "(README.md), so a rotation Lambda could not obtain a new one.",
        )
