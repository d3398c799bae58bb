"""The local AWS: the synthesized CDK stack deployed into moto, Lambda code run in-process.

See `local.LocalAws` for the API and `moto_adaptations` for every change made to moto.
"""

from .local import (
    DeployedFunction,
    DrainResult,
    ExecutionSnapshot,
    LocalAws,
    LocalAwsError,
    StackResource,
)
from .runner import LambdaContext
from .synth import SynthesizedStack, synthesize

__all__ = [
    "DeployedFunction",
    "DrainResult",
    "ExecutionSnapshot",
    "LambdaContext",
    "LocalAws",
    "LocalAwsError",
    "StackResource",
    "SynthesizedStack",
    "synthesize",
]
