"""Starting a draft's approval execution: one per draft, named after it.

Kept apart from generation so the functions that only start approvals (submission's
supplier fallback) do not import the forecasting engine and numpy at cold start.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def execution_name(draft_id: str) -> str:
    """Step Functions names allow 80 characters of [A-Za-z0-9-_]."""
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in draft_id)
    return safe[:80]


def approval_starter(sfn: Any, state_machine_arn: str) -> Callable[[str], bool]:
    """Start one approval execution per draft; False when it already exists."""

    def start(draft_id: str) -> bool:
        try:
            sfn.start_execution(
                stateMachineArn=state_machine_arn,
                name=execution_name(draft_id),
                input=json.dumps({"draft_id": draft_id}),
            )
        except sfn.exceptions.ExecutionAlreadyExists:
            return False
        return True

    return start
