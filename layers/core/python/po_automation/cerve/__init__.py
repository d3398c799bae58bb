"""The Cerve API client: typed calls with retries, token cache, rate limit and webhooks.

Names are loaded on first use (PEP 562) so a function that needs only one part, such as
the webhook receiver importing `cerve.webhooks`, does not pay for the HTTP client,
requests and tenacity at cold start.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .auth import (
        CredentialsProvider,
        TokenProvider,
        secrets_manager_credentials,
        static_credentials,
    )
    from .client import CerveClient, OffersResult
    from .errors import (
        AmbiguousOutcome,
        CerveAuthError,
        CerveError,
        CerveNotFound,
        CerveRequestError,
        CerveResponseError,
        CerveUnavailable,
        CerveValidationError,
        DuplicateReference,
        FieldError,
        IdempotencyKeyReused,
    )
    from .models import (
        CerveProduct,
        CervePurchaseOrder,
        CerveShipment,
        CerveWebhookEvent,
        ProductAvailability,
        ProductOffers,
        ProductPricing,
        PurchaseOrderItem,
        PurchaseOrderRequest,
        WebhookEndpoint,
    )
    from .ratelimit import RateLimiter
    from .retry import RetryPolicy
    from .webhooks import MalformedWebhook, WebhookSignatureError, parse_event, verify_webhook

__all__ = [
    "AmbiguousOutcome",
    "CerveAuthError",
    "CerveClient",
    "CerveError",
    "CerveNotFound",
    "CerveProduct",
    "CervePurchaseOrder",
    "CerveRequestError",
    "CerveResponseError",
    "CerveShipment",
    "CerveUnavailable",
    "CerveValidationError",
    "CerveWebhookEvent",
    "CredentialsProvider",
    "DuplicateReference",
    "FieldError",
    "IdempotencyKeyReused",
    "MalformedWebhook",
    "OffersResult",
    "ProductAvailability",
    "ProductOffers",
    "ProductPricing",
    "PurchaseOrderItem",
    "PurchaseOrderRequest",
    "RateLimiter",
    "RetryPolicy",
    "TokenProvider",
    "WebhookEndpoint",
    "WebhookSignatureError",
    "parse_event",
    "secrets_manager_credentials",
    "static_credentials",
    "verify_webhook",
]

# Where each public name is defined; a unit test keeps this and `__all__` in step.
_SUBMODULE = {
    "AmbiguousOutcome": "errors",
    "CerveAuthError": "errors",
    "CerveClient": "client",
    "CerveError": "errors",
    "CerveNotFound": "errors",
    "CerveProduct": "models",
    "CervePurchaseOrder": "models",
    "CerveRequestError": "errors",
    "CerveResponseError": "errors",
    "CerveShipment": "models",
    "CerveUnavailable": "errors",
    "CerveValidationError": "errors",
    "CerveWebhookEvent": "models",
    "CredentialsProvider": "auth",
    "DuplicateReference": "errors",
    "FieldError": "errors",
    "IdempotencyKeyReused": "errors",
    "MalformedWebhook": "webhooks",
    "OffersResult": "client",
    "ProductAvailability": "models",
    "ProductOffers": "models",
    "ProductPricing": "models",
    "PurchaseOrderItem": "models",
    "PurchaseOrderRequest": "models",
    "RateLimiter": "ratelimit",
    "RetryPolicy": "retry",
    "TokenProvider": "auth",
    "WebhookEndpoint": "models",
    "WebhookSignatureError": "webhooks",
    "parse_event": "webhooks",
    "secrets_manager_credentials": "auth",
    "static_credentials": "auth",
    "verify_webhook": "webhooks",
}


def __getattr__(name: str) -> Any:
    submodule = _SUBMODULE.get(name)
    if submodule is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{submodule}", __name__), name)
    globals()[name] = value  # later look-ups skip this hook
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
