"""The Cerve client against the running emulator: one test per row of the contract's error
table, plus paging, malformed answers, rate limiting and PO idempotency."""

from __future__ import annotations

from decimal import Decimal

import pytest

from po_automation.cerve import (
    AmbiguousOutcome,
    CerveAuthError,
    CerveClient,
    CerveNotFound,
    CerveResponseError,
    CerveUnavailable,
    CerveValidationError,
    IdempotencyKeyReused,
    PurchaseOrderItem,
    PurchaseOrderRequest,
    RetryPolicy,
)
from tests.fixtures.cerve_helpers import FAST_RETRIES, make_client, tomato_order

pytest_plugins = ["tests.fixtures.cerve"]

PRICING = "GET /v1/products/{id}/pricing"
CREATE = "POST /v1/purchase-orders"
TOKEN = "POST /oauth/token"


def calls(emu, endpoint: str) -> int:
    return emu.counters.snapshot()["calls"].get(endpoint, 0)


# 5xx, timeout, connection error: retry 3 times with backoff ------------------------------
def test_5xx_then_success_returns_the_data_after_retrying(cerve_emulator, cerve_client, recorder):
    cerve_emulator.faults.fail("/v1/products/*/pricing", status=503, times=2)

    pricing = cerve_client.get_pricing("prd_tomato")

    assert {p.supplier_id for p in pricing.data} == {"sup_greenfield", "sup_valley"}
    assert calls(cerve_emulator, PRICING) == 3
    assert len(recorder.sleeps) == 2
    assert recorder.metrics["CerveRetry"] == 2


def test_5xx_every_time_gives_up_after_three_retries(cerve_emulator, cerve_client):
    cerve_emulator.faults.fail("/v1/products/*/pricing", status=500, times=None)

    with pytest.raises(CerveUnavailable, match=r"GET /v1/products/\{id\}/pricing"):
        cerve_client.get_pricing("prd_tomato")

    assert calls(cerve_emulator, PRICING) == 4


def test_backoff_doubles_between_retries(cerve_emulator, secret_store, recorder):
    client = make_client(
        cerve_emulator, secret_store, recorder, retry_policy=RetryPolicy(backoff_base_s=1.0)
    )
    cerve_emulator.faults.fail("/v1/products/*/pricing", status=502, times=3)

    client.get_pricing("prd_tomato")

    # ~1 s, 2 s, 4 s, each with up to half a second of jitter (recorded, not slept).
    assert [int(s) for s in recorder.sleeps] == [1, 2, 4]


def test_timeout_then_success(cerve_emulator, secret_store, recorder):
    client = make_client(cerve_emulator, secret_store, recorder, timeout_s=0.2)
    cerve_emulator.faults.timeout_before("/v1/products/*/availability", seconds=0.6)

    availability = client.get_availability("prd_tomato")

    # Valley has no stock, so only Greenfield is listed.
    assert [a.supplier_id for a in availability.data] == ["sup_greenfield"]
    assert availability.available("sup_valley") == Decimal("0")
    assert calls(cerve_emulator, "GET /v1/products/{id}/availability") == 2


def test_connection_refused_is_unavailable_after_retries(secret_store, recorder):
    client = CerveClient(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9/oauth/token",
        secret_store,
        timeout_s=0.5,
        retry_policy=FAST_RETRIES,
        sleep=recorder.sleep,
    )
    with pytest.raises(CerveUnavailable):
        client.get_pricing("prd_tomato")
    assert len(recorder.sleeps) == 3


# 429 + Retry-After -----------------------------------------------------------------------
def test_429_waits_as_long_as_retry_after_says(cerve_emulator, cerve_client, recorder):
    cerve_emulator.faults.fail("/v1/products", status=429, retry_after="1")

    products = cerve_client.find_products("FC-MLK-010")

    assert [p.id for p in products] == ["prd_milk"]
    assert recorder.sleeps == [1.0]
    assert recorder.metrics["CerveRateLimited"] == 1
    assert cerve_emulator.counters.rate_limited == 1


def test_retry_after_longer_than_the_lambda_has_left_gives_up_without_waiting(
    cerve_emulator, secret_store, recorder
):
    client = make_client(cerve_emulator, secret_store, recorder, remaining_time_ms=lambda: 3_000)
    cerve_emulator.faults.fail("/v1/products", status=429, retry_after="20")

    with pytest.raises(CerveUnavailable):
        client.find_products("FC-MLK-010")

    assert recorder.sleeps == []
    assert calls(cerve_emulator, "GET /v1/products") == 1


def test_client_rate_limit_keeps_a_fan_out_under_the_server_limit(
    cerve_emulator, secret_store, recorder
):
    cerve_emulator.faults.rate_limit(per_s=100, burst=2)
    client = make_client(cerve_emulator, secret_store, recorder, rate_limit_per_s=40)
    product_ids = ["prd_tomato", "prd_lettuce", "prd_potato", "prd_milk", "prd_salmon", "prd_nope"]

    result = client.fetch_offers(product_ids, max_workers=6)

    assert sorted(result.offers) == sorted(product_ids[:-1])
    assert isinstance(result.errors["prd_nope"], CerveNotFound)
    assert cerve_emulator.counters.rate_limited == 0
    salmon = result.offers["prd_salmon"].to_domain("FC-SAL-020")[0]
    assert (salmon.pack_size, salmon.available_qty) == (Decimal("0.5"), Decimal("60.5"))


# 401 / 403: refresh once, retry once -----------------------------------------------------
def test_expired_token_is_refreshed_once_and_the_call_succeeds(
    cerve_emulator, cerve_client, recorder
):
    cerve_client.get_pricing("prd_tomato")
    cerve_emulator.expire_tokens()

    pricing = cerve_client.get_pricing("prd_milk")

    assert pricing.data[0].supplier_id == "sup_dairyco"
    assert calls(cerve_emulator, TOKEN) == 2
    assert recorder.metrics["CerveUnauthorized"] == 1


def test_repeated_401_raises_auth_error_without_looping(cerve_emulator, cerve_client, recorder):
    cerve_emulator.faults.fail("/v1/products/*/pricing", status=401, times=None)

    with pytest.raises(CerveAuthError, match="fresh token"):
        cerve_client.get_pricing("prd_tomato")

    assert calls(cerve_emulator, PRICING) == 2
    assert calls(cerve_emulator, TOKEN) == 2
    assert recorder.metrics["CerveUnauthorized"] == 2


def test_rotated_secret_is_re_read_once_with_a_forced_fetch(
    cerve_emulator, cerve_client, secret_store
):
    cerve_client.get_pricing("prd_tomato")
    secret_store.stale = dict(secret_store.values)  # the cache still holds the old secret
    new_secret = cerve_emulator.rotate_credentials(revoke_tokens=True)
    secret_store.values["client_secret"] = new_secret

    assert cerve_client.get_pricing("prd_milk").data
    assert secret_store.reads["forced"] == 1


def test_invalid_client_after_rotation_raises_auth_error_after_one_forced_read(
    cerve_emulator, cerve_client, secret_store, recorder
):
    cerve_client.get_pricing("prd_tomato")
    cerve_emulator.rotate_credentials(revoke_tokens=True)  # nobody updated the secret

    with pytest.raises(CerveAuthError, match="invalid_client"):
        cerve_client.get_pricing("prd_milk")

    assert secret_store.reads["forced"] == 1
    assert calls(cerve_emulator, TOKEN) == 3  # first token, stale secret, forced re-read
    assert recorder.metrics["CerveAuthFailed"] == 1  # the alarm on-call gets


# 404 ------------------------------------------------------------------------------------
def test_unknown_product_is_not_found_and_not_retried(cerve_emulator, cerve_client, recorder):
    with pytest.raises(CerveNotFound, match="prd_missing"):
        cerve_client.get_pricing("prd_missing")
    with pytest.raises(CerveNotFound):
        cerve_client.get_purchase_order("po_missing")

    assert calls(cerve_emulator, PRICING) == 1
    assert recorder.sleeps == []


# Purchase orders: 409, 422, ambiguous timeouts -------------------------------------------
def test_po_is_created_with_its_total(cerve_emulator, cerve_client):
    po = cerve_client.create_purchase_order(tomato_order(), "draft-0001")

    assert (po.status, po.total, po.replayed, po.adopted) == (
        "submitted",
        Decimal("42.00"),
        False,
        False,
    )
    assert cerve_client.get_purchase_order(po.id).external_reference == "FC-DRAFT-0001"


def test_same_key_same_body_replays_the_same_po(cerve_emulator, cerve_client):
    first = cerve_client.create_purchase_order(tomato_order(), "draft-0001")
    again = cerve_client.create_purchase_order(tomato_order(), "draft-0001")

    assert again.id == first.id
    assert again.replayed
    assert len(cerve_emulator.purchase_orders()) == 1


def test_409_request_in_progress_backs_off_and_retries_the_same_key(
    cerve_emulator, cerve_client, recorder
):
    cerve_emulator.faults.in_progress("draft-0001", times=2)

    po = cerve_client.create_purchase_order(tomato_order(), "draft-0001")

    assert po.status == "submitted"
    assert calls(cerve_emulator, CREATE) == 3
    assert len(recorder.sleeps) == 2
    assert len(cerve_emulator.purchase_orders()) == 1


def test_409_duplicate_reference_adopts_the_existing_po(cerve_emulator, cerve_client):
    original = cerve_client.create_purchase_order(tomato_order(), "draft-0001")

    # A crash lost the key: a new key, the same external_reference.
    adopted = cerve_client.create_purchase_order(tomato_order(quantity="25"), "draft-0001-retry")

    assert adopted.adopted
    assert adopted.id == original.id
    assert adopted.total == Decimal("42.00")
    assert len(cerve_emulator.purchase_orders()) == 1


def test_422_validation_names_every_bad_field(cerve_emulator, cerve_client, recorder):
    request = PurchaseOrderRequest(
        supplier_id="sup_greenfield",
        external_reference="FC-DRAFT-0002",
        items=[
            PurchaseOrderItem(
                product_id="prd_tomato", quantity=Decimal("7"), unit_price=Decimal("2.10")
            ),
            PurchaseOrderItem(
                product_id="prd_lettuce", quantity=Decimal("12"), unit_price=Decimal("0.55")
            ),
            PurchaseOrderItem(
                product_id="prd_milk", quantity=Decimal("12"), unit_price=Decimal("1.20")
            ),
            PurchaseOrderItem(
                product_id="prd_ghost", quantity=Decimal("1"), unit_price=Decimal("1")
            ),
        ],
    )

    with pytest.raises(CerveValidationError) as raised:
        cerve_client.create_purchase_order(request, "draft-0002")

    messages = {(d.field, d.message) for d in raised.value.details}
    assert ("items[0].quantity", "must be a multiple of the pack size 5") in messages
    assert ("items[1].quantity", "below the minimum order quantity 24") in messages
    assert ("items[2].product_id", "supplier sup_greenfield does not offer prd_milk") in messages
    assert ("items[3].product_id", "unknown product prd_ghost") in messages
    assert calls(cerve_emulator, CREATE) == 1
    assert recorder.sleeps == []
    assert cerve_emulator.purchase_orders() == []


def test_422_idempotency_key_reused_with_a_different_body(cerve_emulator, cerve_client, recorder):
    cerve_client.create_purchase_order(tomato_order(), "draft-0001")

    with pytest.raises(IdempotencyKeyReused):
        cerve_client.create_purchase_order(tomato_order(quantity="30"), "draft-0001")

    assert calls(cerve_emulator, CREATE) == 2
    assert recorder.metrics["IdempotencyKeyReused"] == 1  # an engineering alarm


def test_timeout_after_apply_is_reconciled_by_replay_and_one_po_exists(
    cerve_emulator, secret_store, recorder
):
    client = make_client(cerve_emulator, secret_store, recorder, timeout_s=0.2)
    cerve_emulator.faults.timeout_after("/v1/purchase-orders", seconds=0.6)

    po = client.create_purchase_order(tomato_order(), "draft-0001")

    assert po.replayed
    assert [p["id"] for p in cerve_emulator.purchase_orders()] == [po.id]


def test_timeout_after_apply_that_replays_cannot_confirm_is_ambiguous(
    cerve_emulator, secret_store, recorder
):
    client = make_client(cerve_emulator, secret_store, recorder, timeout_s=0.2)
    cerve_emulator.faults.timeout_after("/v1/purchase-orders", seconds=0.6)
    cerve_emulator.faults.fail("/v1/purchase-orders", status=503, times=3)

    with pytest.raises(AmbiguousOutcome) as raised:
        client.create_purchase_order(tomato_order(), "draft-0001")

    assert raised.value.idempotency_key == "draft-0001"
    # Later, the same key settles it: the PO that was applied comes back, no second one.
    settled = client.create_purchase_order(tomato_order(), "draft-0001")
    assert settled.replayed
    assert len(cerve_emulator.purchase_orders()) == 1


def test_timeout_before_apply_creates_the_po_once_on_retry(cerve_emulator, secret_store, recorder):
    client = make_client(cerve_emulator, secret_store, recorder, timeout_s=0.2)
    cerve_emulator.faults.timeout_before("/v1/purchase-orders", seconds=0.6)

    po = client.create_purchase_order(tomato_order(), "draft-0001")

    assert not po.replayed
    assert len(cerve_emulator.purchase_orders()) == 1


# Catalogue paging and malformed answers --------------------------------------------------
def test_iter_products_follows_next_cursor_across_pages(cerve_emulator, cerve_client):
    skus = [p.sku for p in cerve_client.iter_products("fresh-produce", page_size=2)]

    assert skus == ["FC-TOM-001", "FC-TOM-001-CH", "FC-LET-002", "FC-POT-003", "FC-ONI-004"]
    assert calls(cerve_emulator, "GET /v1/products") == 3


def test_sku_lookup_can_return_several_and_exact_match_picks_one(cerve_client):
    assert [p.sku for p in cerve_client.find_products("FC-TOM-001")] == [
        "FC-TOM-001",
        "FC-TOM-001-CH",
    ]
    exact = cerve_client.find_exact_product("FC-TOM-001")
    assert exact is not None and exact.id == "prd_tomato"
    assert cerve_client.find_exact_product("FC-UNMAPPED") is None


def test_malformed_pricing_raises_response_error_naming_the_endpoint(cerve_emulator, cerve_client):
    cerve_emulator.faults.malformed(
        "/v1/products/*/pricing",
        body=(
            '{"product_id": "prd_tomato", "data": [{"supplier_id": "sup_x", "currency": "GBP",'
            ' "unit_price": "about two pounds", "lead_time_days": 1, "order_cutoff": "14:00",'
            ' "valid_until": "2026-12-04T00:00:00Z"}]}'
        ),
    )

    with pytest.raises(CerveResponseError) as raised:
        cerve_client.get_pricing("prd_tomato")

    assert "GET /v1/products/{id}/pricing" in str(raised.value)
    assert "data.0.unit_price" in str(raised.value)


def test_non_json_answer_raises_response_error(cerve_emulator, cerve_client):
    cerve_emulator.faults.malformed("/v1/purchase-orders/*", body="<html>oops</html>")
    po = cerve_client.create_purchase_order(tomato_order(), "draft-0001")

    with pytest.raises(
        CerveResponseError, match=r"GET /v1/purchase-orders/\{id\}: body is not JSON"
    ):
        cerve_client.get_purchase_order(po.id)


def test_register_webhook_returns_the_endpoint(cerve_client):
    endpoint = cerve_client.register_webhook("http://127.0.0.1:9/webhooks/cerve")

    assert endpoint.id.startswith("wh_")
    assert endpoint.url == "http://127.0.0.1:9/webhooks/cerve"
