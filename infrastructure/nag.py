"""cdk-nag suppressions, always for named rules on one resource with a written reason."""

from __future__ import annotations

from collections.abc import Sequence

from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import IConstruct


def acknowledge(
    construct: IConstruct,
    rule: str,
    reason: str,
    *,
    applies_to: Sequence[str] | None = None,
    include_children: bool = False,
) -> None:
    """Acknowledge one AwsSolutions finding on one construct (children only when asked).

    `applies_to` narrows an IAM4/IAM5 acknowledgement to the exact policy or wildcard, so a
    new wildcard added later is still reported.
    """
    NagSuppressions.add_resource_suppressions(
        construct,
        [
            NagPackSuppression(
                id=f"AwsSolutions-{rule}",
                reason=reason,
                applies_to=list(applies_to) if applies_to else None,
            )
        ],
        apply_to_children=include_children,
    )
