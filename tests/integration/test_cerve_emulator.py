"""The emulator itself, over raw HTTP: validation, idempotency, admin, signed webhooks."""

from __future__ import annotations

import json
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from po_automation.cerve import verify_webhook
from tests.fixtures.cerve_helpers import tomato_order

pytest_plugins = ["tests.fixtures.cerve"]


def token(emu) -> str:
    response = requests.post(
        emu.auth_url,
        data={
            "grant_type": "client_credentials",
            **{k: v for k, v in emu.credentials().items() if k.startswith("client")},
        },
        timeout=5,
    )
    assert response.status_code == 200
    assert response.json()["expires_in"] == 300
    return response.json()["access_token"]


def post_po(emu, body, key="k-1", tok=None):
    headers = {"Authorization": f"Bearer {tok or token(emu)}"}
    if key:
        headers["Idempotency-Key"] = key
    return requests.post(
        f"{emu.base_url}/v1/purchase-orders", json=body, headers=headers, timeout=5
    )


def test_bad_credentials_get_invalid_client(cerve_emulator):
    response = requests.post(
        cerve_emulator.auth_url,
        data={
            "grant_type": "client_credentials",
            "client_id": "fc-sandbox",
            "client_secret": "nope",
        },
        timeout=5,
    )
    assert (response.status_code, response.json()) == (401, {"error": "invalid_client"})


def test_calls_without_a_token_get_401_in_the_contract_shape(cerve_emulator):
    response = requests.get(f"{cerve_emulator.base_url}/v1/products/prd_tomato/pricing", timeout=5)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


def test_non_decimal_strings_and_json_numbers_are_validation_failures(cerve_emulator):
    body = tomato_order().to_json()
    body["items"] = [
        {"product_id": "prd_tomato", "quantity": "twenty", "unit_price": 2.1},
    ]
    response = post_po(cerve_emulator, body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert {d["field"] for d in error["details"]} == {"items[0].quantity", "items[0].unit_price"}


def test_idempotency_key_is_required(cerve_emulator):
    response = post_po(cerve_emulator, tomato_order().to_json(), key=None)
    assert (response.status_code, response.json()["error"]["code"]) == (
        400,
        "idempotency_key_required",
    )


def test_replay_carries_the_replayed_header(cerve_emulator):
    tok = token(cerve_emulator)
    first = post_po(cerve_emulator, tomato_order().to_json(), tok=tok)
    again = post_po(cerve_emulator, tomato_order().to_json(), tok=tok)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


def test_a_concurrent_request_with_the_key_in_flight_gets_409(cerve_emulator):
    tok = token(cerve_emulator)
    cerve_emulator.faults.latency("/v1/purchase-orders", seconds=0.3, times=1)
    results: list[requests.Response] = []
    slow = threading.Thread(
        target=lambda: results.append(post_po(cerve_emulator, tomato_order().to_json(), tok=tok))
    )
    slow.start()
    cerve_emulator.faults  # noqa: B018 - the first request is now holding the key
    threading.Event().wait(0.1)
    second = post_po(cerve_emulator, tomato_order().to_json(), tok=tok)
    slow.join()
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "request_in_progress"
    assert results[0].status_code == 201


def test_duplicate_reference_names_the_existing_po(cerve_emulator):
    tok = token(cerve_emulator)
    first = post_po(cerve_emulator, tomato_order().to_json(), key="k-1", tok=tok).json()
    dup = post_po(cerve_emulator, tomato_order().to_json(), key="k-2", tok=tok)
    assert dup.status_code == 409
    assert dup.json()["error"] == {
        "code": "duplicate_reference",
        "message": "a purchase order with external_reference FC-DRAFT-0001 exists",
        "existing_id": first["id"],
    }


def test_page_size_over_100_is_refused(cerve_emulator):
    response = requests.get(
        f"{cerve_emulator.base_url}/v1/products",
        params={"category": "fresh-produce", "page_size": "101"},
        headers={"Authorization": f"Bearer {token(cerve_emulator)}"},
        timeout=5,
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "page_size"


def test_server_rate_limit_answers_429_with_retry_after(cerve_emulator):
    tok = token(cerve_emulator)
    cerve_emulator.faults.rate_limit(per_s=1, burst=1)
    url = f"{cerve_emulator.base_url}/v1/products/prd_tomato/pricing"
    statuses = [
        requests.get(url, headers={"Authorization": f"Bearer {tok}"}, timeout=5) for _ in range(3)
    ]
    assert [r.status_code for r in statuses] == [200, 429, 429]
    assert statuses[1].headers["Retry-After"] == "1"
    assert cerve_emulator.counters.rate_limited == 2


def test_admin_endpoints_drive_faults_and_read_counters(cerve_emulator):
    admin = f"{cerve_emulator.base_url}/_admin"
    added = requests.post(
        f"{admin}/faults",
        json={"kind": "status", "path": "/v1/products/*", "status": 502, "times": 1},
        timeout=5,
    )
    assert added.status_code == 201
    url = f"{cerve_emulator.base_url}/v1/products/prd_tomato/pricing"
    auth = {"Authorization": f"Bearer {token(cerve_emulator)}"}
    assert requests.get(url, headers=auth, timeout=5).status_code == 502
    assert requests.get(url, headers=auth, timeout=5).status_code == 200
    counters = requests.get(f"{admin}/counters", timeout=5).json()
    assert counters["calls"]["GET /v1/products/{id}/pricing"] == 2
    assert counters["statuses"]["502"] == 1
    bad = requests.post(f"{admin}/faults", json={"kind": "explode"}, timeout=5)
    assert bad.status_code == 400


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]]
    status = 204

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers.items()), body))
        self.send_response(self.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        return


@pytest.fixture
def receiver():
    handler = type("Receiver", (_Receiver,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}/webhooks/cerve"
    server.shutdown()
    server.server_close()


def test_lifecycle_sends_signed_webhooks_shaped_like_the_contract(
    cerve_emulator, cerve_client, receiver
):
    handler, url = receiver
    cerve_client.register_webhook(url)
    po = cerve_client.create_purchase_order(tomato_order(), "draft-0001")

    requests.post(f"{cerve_emulator.base_url}/_admin/advance", json={"po_id": po.id}, timeout=5)
    cerve_emulator.advance(po.id)
    cerve_emulator.advance_all()

    events = [verify_webhook(h, b, [cerve_emulator.webhook_secret]) for h, b in handler.received]
    assert [(e["type"], e["data"]["status"]) for e in events] == [
        ("po.status", "accepted"),
        ("shipment.created", "accepted"),
        ("shipment.dispatched", "dispatched"),
        ("po.status", "dispatched"),
        ("shipment.delivered", "delivered"),
        ("po.status", "delivered"),
    ]
    assert events[0]["data"] == {
        "purchase_order_id": po.id,
        "external_reference": "FC-DRAFT-0001",
        "status": "accepted",
        "occurred_at": events[0]["created_at"],
        "shipment": None,
    }
    assert events[-1]["data"]["shipment"]["status"] == "delivered"
    assert [d.status for d in cerve_emulator.deliveries] == [204] * 6
    assert cerve_client.get_purchase_order(po.id).status == "delivered"


def test_failed_deliveries_stay_queued_and_drain_can_duplicate_and_shuffle(
    cerve_emulator, cerve_client, receiver
):
    handler, url = receiver
    cerve_client.register_webhook(url)
    po = cerve_client.create_purchase_order(tomato_order(), "draft-0001")
    handler.status = 500
    cerve_emulator.advance(po.id)
    assert cerve_emulator.dispatcher.pending() == 1

    handler.status = 200
    done = cerve_emulator.drain(duplicate=True, shuffle=random.Random(7))

    assert [d.status for d in done] == [200, 200]
    assert cerve_emulator.dispatcher.pending() == 0
    ids = [json.loads(b)["id"] for _, b in handler.received]
    assert ids == [ids[0]] * 3  # one failed attempt, then the duplicate pair


def test_rotating_the_signing_secret_signs_with_both(cerve_emulator, cerve_client):
    seen = []
    old = cerve_emulator.webhook_secret
    new = cerve_emulator.rotate_webhook_secret()
    cerve_emulator.add_webhook_sink(
        "test", lambda headers, body: seen.append((headers, body)) or 200
    )
    po = cerve_client.create_purchase_order(tomato_order(), "draft-0001")
    cerve_emulator.advance(po.id)

    headers, body = seen[0]
    assert len(headers["webhook-signature"].split()) == 2
    assert verify_webhook(headers, body, [old])["type"] == "po.status"
    assert verify_webhook(headers, body, [new])["type"] == "po.status"
