"""The on-call and procurement SNS topics, encrypted with a key CloudWatch may use."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infrastructure.naming import resource_name


class Notifications(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        oncall_emails: list[str],
        procurement_emails: list[str],
    ) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            alias=f"alias/{resource_name(stage, 'notifications')}",
            description="Encrypts the on-call and procurement topics",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
        )
        # CloudWatch alarms publish to the encrypted on-call topic; the AWS-managed SNS key
        # would not let them.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],  # in a key policy, "*" means this key
            )
        )

        def topic(cid: str, name: str, emails: list[str]) -> sns.Topic:
            t = sns.Topic(
                self,
                cid,
                topic_name=resource_name(stage, name),
                display_name=f"FreshConnect PO {name} ({stage})",
                master_key=self.key,
                enforce_ssl=True,
            )
            for email in emails:
                t.add_subscription(subscriptions.EmailSubscription(email))
            return t

        self.oncall = topic("OnCall", "oncall", oncall_emails)
        self.procurement = topic("Procurement", "procurement", procurement_emails)
