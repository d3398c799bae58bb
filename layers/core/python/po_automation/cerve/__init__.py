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

# Public name -> the submodule defining it.
_SUBMODULE = {
    **dict.fromkeys(
        [
            "CredentialsProvider",
            "TokenProvider",
            "secrets_manager_credentials",
            "static_credentials",
        ],
        "auth",
    ),
    **dict.fromkeys(["CerveClient", "OffersResult"], "client"),
    **dict.fromkeys(
        [
            "AmbiguousOutcome",
            "CerveAuthError",
            "CerveError",
            "CerveNotFound",
            "CerveRequestError",
            "CerveResponseError",
            "CerveUnavailable",
            "CerveValidationError",
            "DuplicateReference",
            "FieldError",
            "IdempotencyKeyReused",
        ],
        "errors",
    ),
    **dict.fromkeys(
        [
            "CerveProduct",
            "CervePurchaseOrder",
            "CerveShipment",
            "CerveWebhookEvent",
            "ProductAvailability",
            "ProductOffers",
            "ProductPricing",
            "PurchaseOrderItem",
            "PurchaseOrderRequest",
            "WebhookEndpoint",
        ],
        "models",
    ),
    "RateLimiter": "ratelimit",
    "RetryPolicy": "retry",
    **dict.fromkeys(
        ["MalformedWebhook", "WebhookSignatureError", "parse_event", "verify_webhook"],
        "webhooks",
    ),
}

__all__ = sorted(_SUBMODULE)


def __getattr__(name: str) -> Any:
    submodule = _SUBMODULE.get(name)
    if submodule is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{submodule}", __name__), name)
    globals()[name] = value  # later look-ups skip this hook
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
