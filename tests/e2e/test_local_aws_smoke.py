"""The real synthesized stack deploys into the local AWS, complete and fully resolved."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest

from sandbox.local_aws import LocalAws, synthesize
from sandbox.local_aws.local import DEFAULT_LAMBDAS_ROOT
from sandbox.local_aws.product import product_context, product_stack

pytestmark = pytest.mark.slow

FUNCTIONS = [
    "source_sync", "price_sync", "catalog_sync", "generate_drafts", "request_approval",
    "record_decision", "submit_po", "webhook_receiver", "apply_events", "erp_export",
    "reconcile_pos",
]  # fmt: skip
UNRESOLVED = re.compile(r"\$\{Token\[|\bRef\b|Fn::|<moto\.|^None$")


@pytest.fixture(scope="module")
def local() -> Iterator[LocalAws]:
    missing = [n for n in FUNCTIONS if not (DEFAULT_LAMBDAS_ROOT / n / "handler.py").exists()]
    if missing:
        pytest.skip(f"lambdas not written yet: {', '.join(missing)}")
    started = time.perf_counter()
    synthesized = synthesize(product_stack(), context=product_context("dev"))
    synth_s = time.perf_counter() - started
    with LocalAws(synthesized) as deployed:
        print(f"synth {synth_s:.1f}s, deploy into moto {deployed.deploy_seconds:.1f}s")
        yield deployed


def test_every_function_is_deployed_under_its_architecture_name(local):
    assert local.function_names == {n: f"fc-po-dev-{n.replace('_', '-')}" for n in FUNCTIONS}
    assert all(f.from_source_tree for f in local.functions.values())


def test_every_table_queue_and_both_state_machines_exist(local):
    assert local.table_names == [
        "fc-po-dev-idempotency", "fc-po-dev-inventory", "fc-po-dev-price-cache",
        "fc-po-dev-purchase-orders",
    ]  # fmt: skip
    assert len(local.queue_urls) == 2
    assert local.state_machine_arn("approval").endswith(":stateMachine:fc-po-dev-approval")
    assert local.state_machine_arn("decision").endswith(":stateMachine:fc-po-dev-decision")
    sfn = local.client("stepfunctions")
    for arn in local.state_machine_arns:
        assert sfn.describe_state_machine(stateMachineArn=arn)["status"] == "ACTIVE"


def test_every_function_environment_resolves_to_deployed_resources(local):
    for name in FUNCTIONS:
        env = local.function_env(name)
        assert env["STAGE"] == "dev"
        for key, value in env.items():
            assert isinstance(value, str) and not UNRESOLVED.search(value), (name, key, value)
        if "PO_TABLE_NAME" in env:
            assert env["PO_TABLE_NAME"] == "fc-po-dev-purchase-orders"
        if "CERVE_SECRET_NAME" in env:
            secrets = local.client("secretsmanager")
            assert secrets.describe_secret(SecretId=env["CERVE_SECRET_NAME"])["Name"]
        if "WEBHOOK_QUEUE_URL" in env:
            assert env["WEBHOOK_QUEUE_URL"] in local.queue_urls
        if "APPROVAL_STATE_MACHINE_ARN" in env:
            assert env["APPROVAL_STATE_MACHINE_ARN"] == local.state_machine_arn("approval")


def test_only_resource_types_without_runtime_state_are_skipped(local):
    assert set(local.skipped_resources.values()) <= {
        "AWS::S3::BucketPolicy", "AWS::SNS::TopicPolicy", "AWS::SNS::Subscription",
        "AWS::SQS::QueuePolicy", "AWS::ApiGateway::Account",
        "AWS::ApiGateway::RequestValidator", "AWS::ApiGateway::Model", "AWS::CDK::Metadata",
    }  # fmt: skip
