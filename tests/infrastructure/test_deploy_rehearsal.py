"""The real CDK CLI deploys the stack into moto and destroys it again (issue #6)."""

from __future__ import annotations

import shutil

import pytest

from tests.infrastructure.conftest import lambdas_root
from tools.deploy_rehearsal import rehearse

pytestmark = pytest.mark.slow


@pytest.mark.skipif(shutil.which("node") is None, reason="the CDK CLI needs Node")
def test_stack_deploys_into_moto_through_the_cdk_cli(tmp_path) -> None:
    report = rehearse(stage="dev", lambdas_root=lambdas_root(tmp_path))

    assert report.missing == []
    assert len(report.deployed["tables"]) == 4
    assert len(report.deployed["queues"]) == 2
    assert len(report.deployed["functions"]) == 11
    assert sorted(report.deployed["state machines"]) == [
        "fc-po-dev-approval",
        "fc-po-dev-decision",
        "fc-po-dev-price-sync",
    ]
    assert report.destroyed
    # What moto's CloudFormation does not model is reported, never silently passed.
    assert "AWS::DynamoDB::Table" not in report.skipped_types
