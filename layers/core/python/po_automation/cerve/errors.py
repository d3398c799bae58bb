"""What can go wrong talking to Cerve, one class per way the caller must react.

Messages name the endpoint, the status and Cerve's error code; they never carry a token,
a client secret, a signing secret or an Authorization header.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class CerveError(Exception):
    """Base class: `endpoint` ("POST /v1/purchase-orders"), `status` and Cerve's `code`."""

    def __init__(
        self,
        message: str,
        *,
        endpoint: str | None = None,
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.status = status
        self.code = code


class CerveAuthError(CerveError):
    """Cerve refused our credentials (after one forced secret re-read) or our fresh token."""


class CerveNotFound(CerveError):
    """404: unknown product or PO. Not retried."""


class CerveRequestError(CerveError):
    """Any other 4xx Cerve refused (a bug on our side); not retried."""


class CerveValidationError(CerveError):
    """422 validation_failed: the data is wrong; `details` says which field and why."""

    def __init__(self, message: str, *, details: list[FieldError], **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.details = details


class IdempotencyKeyReused(CerveError):
    """422 idempotency_key_reused: the same key was sent with a different body (our bug)."""


class DuplicateReference(CerveError):
    """409 duplicate_reference: a PO with this external_reference exists as `existing_id`."""

    def __init__(self, message: str, *, existing_id: str | None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.existing_id = existing_id


class CerveUnavailable(CerveError):
    """Transient failures outlasted the retries (or the Lambda's remaining time)."""


class AmbiguousOutcome(CerveError):
    """A POST may have been applied (timed out after sending) and replays could not tell.

    Retry later with the same Idempotency-Key: that either replays the PO or creates it once.
    """

    def __init__(self, message: str, *, idempotency_key: str, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.idempotency_key = idempotency_key


class CerveResponseError(CerveError):
    """Cerve answered 2xx with a body we cannot read (not JSON, or not the contract's shape)."""
