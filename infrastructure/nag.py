"""cdk-nag (v3) acknowledgements: one rule, or one finding, on one construct, with a reason.

cdk-nag 3 runs as a CDK policy-validation plugin; an acknowledgement is recorded on the
construct (and so covers what it contains, e.g. a role's default policy). IAM findings are
acknowledged finding by finding (`AwsSolutions-IAM5[Resource::…]`) so that a wildcard added
later is still reported.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct


def acknowledge(construct: IConstruct, rule: str, reason: str, *, finding: str = "") -> None:
    """Acknowledge `AwsSolutions-<rule>` (or only its `[finding]`) on `construct`."""
    rule_id = f"AwsSolutions-{rule}" + (f"[{finding}]" if finding else "")
    Validations.of(construct).acknowledge(Acknowledgment(id=rule_id, reason=reason))


def apply_aws_solutions_checks(scope: IConstruct) -> None:
    """Run the AwsSolutions pack when `scope` (an App or Stage) is synthesized."""
    Validations.of(scope).add_plugins(AwsSolutionsChecks(scope, verbose=True))
