"""The Cerve API client: typed calls, retries, token refresh, rate limiting, PO idempotency.

Create one `CerveClient` per container (module level in a handler) so its token cache and
connection pool outlive an invocation; set `client.remaining_time_ms =
context.get_remaining_time_in_millis` at the start of each invocation so retries never
outlast the Lambda.

Metrics: `metrics(name, value)` is called with `CerveUnauthorized` for every 401/403,
`CerveRateLimited` for every 429 and `CerveRetry` before every retry.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

import requests
from pydantic import BaseModel, ValidationError
from requests.adapters import HTTPAdapter
from tenacity import RetryCallState, Retrying, retry_if_exception_type

from .auth import CredentialsProvider, TokenProvider
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
    ProductAvailability,
    ProductOffers,
    ProductPage,
    ProductPricing,
    PurchaseOrderRequest,
    WebhookEndpoint,
)
from .ratelimit import RateLimiter
from .retry import Backoff, RetryPolicy, StopRetrying, TransientFailure, parse_retry_after

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
MetricsHook = Callable[[str, float], None]
MAX_PAGE_SIZE = 100
# Statuses a POST cannot have been applied under: 503 and 429 are refusals at the door.
_NOT_APPLIED = frozenset({429, 503})


@dataclass(frozen=True)
class _Request:
    method: str
    endpoint: str  # "GET /v1/products/{id}/pricing": names the call in errors and logs
    path: str
    params: dict[str, str] | None = None
    json_body: Any = None
    idempotency_key: str | None = None


@dataclass
class _CallState:
    """What one logical call has been through, across its attempts."""

    refreshed: bool = False
    may_have_applied: bool = False
    attempts: int = 0


@dataclass
class OffersResult:
    """`fetch_offers`' answer: offers per product id, and the error for each that failed."""

    offers: dict[str, ProductOffers] = field(default_factory=dict)
    errors: dict[str, CerveError] = field(default_factory=dict)


class CerveClient:
    def __init__(
        self,
        base_url: str,
        auth_url: str,
        credentials_provider: CredentialsProvider,
        *,
        timeout_s: float = 10.0,
        rate_limit_per_s: float | Decimal | None = None,
        remaining_time_ms: Callable[[], int] | None = None,
        metrics: MetricsHook | None = None,
        session: requests.Session | None = None,
        retry_policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        token_provider: TokenProvider | None = None,
        pool_size: int = 16,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.remaining_time_ms = remaining_time_ms
        self.retry_policy = retry_policy or RetryPolicy()
        self._metrics = metrics
        self._session = session or _new_session(pool_size)
        self._auth = token_provider or TokenProvider(
            auth_url, credentials_provider, session=self._session, timeout_s=timeout_s
        )
        self._limiter = RateLimiter(float(rate_limit_per_s)) if rate_limit_per_s else None
        self._backoff = Backoff(self.retry_policy, random.Random())
        self._sleep = sleep or time.sleep
        self._stop = StopRetrying(self.retry_policy, self._remaining_s, min_request_s=0.25)

    # Catalogue -------------------------------------------------------------------------
    def find_products(self, sku: str) -> list[CerveProduct]:
        """Every product Cerve returns for `sku` (none, one or several)."""
        page = self._get("/v1/products", "/v1/products", ProductPage, params={"sku": sku})
        return page.data

    def find_exact_product(self, sku: str) -> CerveProduct | None:
        """The product whose `sku` is exactly `sku`, if Cerve has one."""
        matches = [p for p in self.find_products(sku) if p.sku == sku]
        return matches[0] if len(matches) == 1 else None

    def iter_products(
        self, category: str, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[CerveProduct]:
        """Every product of a category, following `next_cursor` page by page."""
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            params = {"category": category, "page_size": str(page_size)}
            if cursor:
                params["cursor"] = cursor
            page = self._get("/v1/products", "/v1/products", ProductPage, params=params)
            yield from page.data
            cursor = page.next_cursor
            if not cursor:
                return
            if cursor in seen:
                raise CerveResponseError(
                    "malformed response from GET /v1/products: next_cursor repeats",
                    endpoint="GET /v1/products",
                )
            seen.add(cursor)

    def get_pricing(self, product_id: str) -> ProductPricing:
        path = f"/v1/products/{_quote(product_id)}/pricing"
        return self._get("/v1/products/{id}/pricing", path, ProductPricing)

    def get_availability(self, product_id: str) -> ProductAvailability:
        path = f"/v1/products/{_quote(product_id)}/availability"
        return self._get("/v1/products/{id}/availability", path, ProductAvailability)

    def get_offers(self, product_id: str) -> ProductOffers:
        return ProductOffers(
            pricing=self.get_pricing(product_id), availability=self.get_availability(product_id)
        )

    def fetch_offers(self, product_ids: Iterable[str], max_workers: int = 8) -> OffersResult:
        """Pricing and availability for many products at once, for the price sync.

        Threads share this client's token, connection pool and rate limiter, so the fan-out
        stays under `rate_limit_per_s`; a product that fails lands in `errors` and does not
        stop the others.
        """
        ids = list(dict.fromkeys(product_ids))
        result = OffersResult()
        lock = threading.Lock()

        def one(product_id: str) -> None:
            try:
                offers = self.get_offers(product_id)
            except CerveError as exc:
                with lock:
                    result.errors[product_id] = exc
                return
            with lock:
                result.offers[product_id] = offers

        with ThreadPoolExecutor(max_workers=max(1, max_workers)) as pool:
            list(pool.map(one, ids))
        return result

    # Purchase orders -------------------------------------------------------------------
    def create_purchase_order(
        self, request: PurchaseOrderRequest, idempotency_key: str, *, adopt_duplicate: bool = True
    ) -> CervePurchaseOrder:
        """Create a PO exactly once for `idempotency_key`.

        A replay comes back with `replayed=True`; when Cerve already holds a PO with our
        `external_reference` (409 duplicate_reference) that PO is fetched and returned with
        `adopted=True` instead of creating a second one.
        """
        if not idempotency_key:
            raise ValueError("an Idempotency-Key is required")
        endpoint = "POST /v1/purchase-orders"
        try:
            response = self._call(
                "POST",
                "/v1/purchase-orders",
                "/v1/purchase-orders",
                json_body=request.to_json(),
                idempotency_key=idempotency_key,
            )
        except DuplicateReference as exc:
            if not adopt_duplicate or not exc.existing_id:
                raise
            logger.info(
                "Cerve already holds this external_reference; adopting it",
                extra={"cerve_po_id": exc.existing_id},
            )
            existing = self.get_purchase_order(exc.existing_id)
            return existing.model_copy(update={"adopted": True})
        po = _parse(endpoint, response, CervePurchaseOrder)
        replayed = response.headers.get("Idempotent-Replayed", "").lower() == "true"
        return po.model_copy(update={"replayed": replayed}) if replayed else po

    def get_purchase_order(self, po_id: str) -> CervePurchaseOrder:
        path = f"/v1/purchase-orders/{_quote(po_id)}"
        return self._get("/v1/purchase-orders/{id}", path, CervePurchaseOrder)

    def register_webhook(self, url: str, events: list[str] | None = None) -> WebhookEndpoint:
        body: dict[str, Any] = {"url": url}
        if events:
            body["events"] = events
        response = self._call("POST", "/webhooks", "/webhooks", json_body=body)
        return _parse("POST /webhooks", response, WebhookEndpoint)

    # Plumbing --------------------------------------------------------------------------
    def _get(
        self, template: str, path: str, model: type[M], params: dict[str, str] | None = None
    ) -> M:
        response = self._call("GET", template, path, params=params)
        return _parse(f"GET {template}", response, model)

    def _remaining_s(self) -> float | None:
        return None if self.remaining_time_ms is None else self.remaining_time_ms() / 1000

    def _call(
        self,
        method: str,
        template: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        idempotency_key: str | None = None,
    ) -> requests.Response:
        endpoint = f"{method} {template}"
        request = _Request(method, endpoint, path, params, json_body, idempotency_key)
        state = _CallState()

        def attempt() -> requests.Response:
            state.attempts += 1
            return self._attempt(request, state)

        retrying = Retrying(
            stop=self._stop,
            wait=self._backoff,
            retry=retry_if_exception_type(TransientFailure),
            before_sleep=lambda rs: self._before_sleep(endpoint, rs),
            reraise=True,
            sleep=self._sleep,
        )
        try:
            return retrying(attempt)
        except CerveAuthError:
            # Refused even after a fresh token or a forced secret re-read: on-call is alarmed.
            self._metric("CerveAuthFailed")
            raise
        except IdempotencyKeyReused:
            # Same key, different body: our fault, never Cerve's; on-call is alarmed.
            self._metric("IdempotencyKeyReused")
            raise
        except TransientFailure as exc:
            if method == "POST" and idempotency_key and state.may_have_applied:
                raise AmbiguousOutcome(
                    f"{endpoint}: may have been applied, and {state.attempts} attempts with the "
                    f"same Idempotency-Key could not confirm it (last: {exc})",
                    endpoint=endpoint,
                    status=exc.status,
                    idempotency_key=idempotency_key,
                ) from None
            raise CerveUnavailable(
                f"{endpoint}: gave up after {state.attempts} attempts (last: {exc})",
                endpoint=endpoint,
                status=exc.status,
            ) from None

    def _before_sleep(self, endpoint: str, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        self._metric("CerveRetry")
        logger.warning(
            "Cerve call failed, retrying",
            extra={
                "endpoint": endpoint,
                "attempt": state.attempt_number,
                "reason": str(exc),
                "wait_s": round(state.upcoming_sleep, 3),
            },
        )

    def _attempt(self, request: _Request, state: _CallState) -> requests.Response:
        endpoint = request.endpoint
        timeout = self._request_timeout()
        response = self._send(request, state, timeout)
        if response.status_code in (401, 403):
            self._metric("CerveUnauthorized")
            if not state.refreshed:
                # One refresh and one retry; a second refusal is final, never a loop.
                state.refreshed = True
                self._auth.token(force_refresh=True, timeout_s=timeout)
                response = self._send(request, state, timeout)
                if response.status_code in (401, 403):
                    self._metric("CerveUnauthorized")
            if response.status_code in (401, 403):
                raise CerveAuthError(
                    f"{endpoint}: HTTP {response.status_code} even with a fresh token",
                    endpoint=endpoint,
                    status=response.status_code,
                    code=_error_body(response).get("code"),
                )
        if 200 <= response.status_code < 300:
            return response
        raise self._error_for(request, response, state)

    def _request_timeout(self) -> float:
        remaining = self._remaining_s()
        if remaining is None:
            return self.timeout_s
        budget = remaining - self.retry_policy.deadline_margin_s
        if budget <= 0:
            raise TransientFailure("no time left in this invocation")
        return min(self.timeout_s, budget)

    def _send(self, request: _Request, state: _CallState, timeout: float) -> requests.Response:
        token = self._auth.token(timeout_s=timeout)
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if request.idempotency_key:
            headers["Idempotency-Key"] = request.idempotency_key
        if self._limiter is not None:
            self._limiter.acquire()
        try:
            return self._session.request(
                request.method,
                self.base_url + request.path,
                params=request.params,
                json=request.json_body,
                headers=headers,
                timeout=timeout,
            )
        except requests.RequestException as exc:
            # Only the exception's type: requests' messages can include the request.
            sent = not _never_connected(exc)
            if request.method == "POST" and sent:
                state.may_have_applied = True
            raise TransientFailure(f"{type(exc).__name__}", may_have_applied=sent) from None

    def _error_for(
        self, request: _Request, response: requests.Response, state: _CallState
    ) -> Exception:
        method, endpoint = request.method, request.endpoint
        status = response.status_code
        error = _error_body(response)
        code = error.get("code")
        text = f"{endpoint}: HTTP {status} {code or ''}".rstrip()
        if error.get("message"):
            text += f": {error['message']}"
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status == 429:
            self._metric("CerveRateLimited")
            return TransientFailure(text, status=status, retry_after=retry_after)
        if status >= 500:
            applied = status not in _NOT_APPLIED
            if method == "POST" and applied:
                state.may_have_applied = True
            return TransientFailure(
                text, status=status, retry_after=retry_after, may_have_applied=applied
            )
        if status == 409 and code == "request_in_progress":
            return TransientFailure(text, status=status, retry_after=retry_after)
        if status == 409 and code == "duplicate_reference":
            existing = error.get("existing_id") or _top_level(response).get("existing_id")
            return DuplicateReference(
                text,
                existing_id=existing if isinstance(existing, str) else None,
                endpoint=endpoint,
                status=status,
                code=code,
            )
        if status == 404:
            return CerveNotFound(text, endpoint=endpoint, status=status, code=code)
        if status == 422 and code == "idempotency_key_reused":
            return IdempotencyKeyReused(text, endpoint=endpoint, status=status, code=code)
        if status == 422:
            details = [
                FieldError(str(d.get("field", "")), str(d.get("message", "")))
                for d in error.get("details") or []
                if isinstance(d, dict)
            ]
            return CerveValidationError(
                text, details=details, endpoint=endpoint, status=status, code=code
            )
        return CerveRequestError(text, endpoint=endpoint, status=status, code=code)

    def _metric(self, name: str) -> None:
        if self._metrics is not None:
            self._metrics(name, 1.0)


def _new_session(pool_size: int) -> requests.Session:
    session = requests.Session()
    # Retries are tenacity's job (they need the Idempotency-Key and token logic).
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _quote(segment: str) -> str:
    return urllib.parse.quote(segment, safe="")


def _never_connected(exc: requests.RequestException) -> bool:
    """True when the request certainly never reached Cerve (so a POST was not applied)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.ReadTimeout):
        reason = exc.args[0] if exc.args else None
        inner = getattr(reason, "reason", None)
        return type(inner).__name__ == "NewConnectionError"
    return False


def _top_level(response: requests.Response) -> dict[str, Any]:
    try:
        body = json.loads(response.content)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error_body(response: requests.Response) -> dict[str, Any]:
    error = _top_level(response).get("error")
    if isinstance(error, dict):
        return error
    return {"code": error} if isinstance(error, str) else {}


def _parse(endpoint: str, response: requests.Response, model: type[M]) -> M:
    """The response as `model`, or CerveResponseError naming the endpoint and bad fields."""
    try:
        body = json.loads(response.content, parse_float=Decimal)
    except ValueError:
        raise CerveResponseError(
            f"malformed response from {endpoint}: body is not JSON",
            endpoint=endpoint,
            status=response.status_code,
        ) from None
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}"
            for err in exc.errors(include_input=False, include_url=False)[:5]
        )
        raise CerveResponseError(
            f"malformed response from {endpoint}: {problems}",
            endpoint=endpoint,
            status=response.status_code,
        ) from None
