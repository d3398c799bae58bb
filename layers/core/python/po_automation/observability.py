"""The Powertools logger, tracer and metrics every function shares.

Service name, metrics namespace and log level come from the POWERTOOLS_* environment
variables the stack sets, so one instance serves every handler in the layer.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer

NAMESPACE = "FreshConnect/PurchaseOrders"

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE))
