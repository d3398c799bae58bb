"""The Cerve API client: typed calls with retries, token cache, rate limit and webhooks."""

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
