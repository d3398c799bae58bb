"""The Cerve secret (docs/architecture.md, "Secrets")."""

from __future__ import annotations

import json

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infrastructure.nag import acknowledge
from infrastructure.naming import resource_name, secret_name

PLACEHOLDER = "REPLACE_ME"
# JSON keys the functions read; `slack_webhook_url` is optional and absent until set.
SECRET_KEYS = ("client_id", "client_secret", "webhook_signing_secret")


class Secrets(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: str) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            alias=f"alias/{resource_name(stage, 'secrets')}",
            description="Encrypts the Cerve credentials and webhook signing secret",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.name = secret_name(stage)
        # Operators put the real values (docs/deployment.md). The signing secret starts as
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
            "in Cerve's console and then put here (runbook in docs/deployment.md), so a "
            "rotation Lambda could not obtain new values.",
        )
