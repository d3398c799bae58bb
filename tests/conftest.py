"""Settings every test shares: never real AWS, never a real Cerve, quiet jsii."""

import os

# Fake credentials and a fixed region: a test that forgot moto fails instead of reaching AWS.
for key, value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-2",
    "AWS_REGION": "eu-west-2",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    "POWERTOOLS_TRACE_DISABLED": "1",
    "POWERTOOLS_METRICS_NAMESPACE": "FreshConnect/PurchaseOrders",
    "POWERTOOLS_SERVICE_NAME": "po-automation-tests",
}.items():
    os.environ[key] = value
os.environ.pop("AWS_PROFILE", None)
