"""The token cache: when it refreshes, how it handles a rotated secret, what it never says."""

from __future__ import annotations

import json
from typing import Any

import pytest

from po_automation.cerve import CerveAuthError, CerveResponseError, TokenProvider
from po_automation.cerve.retry import TransientFailure


class FakeResponse:
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status_code = status
        self.content = json.dumps(body).encode()
        self.headers: dict[str, str] = {}


class FakeTokenEndpoint:
    """Answers like Cerve's /oauth/token; accepts only `valid_secret`."""

    def __init__(self, valid_secret: str = "s3cret-current", expires_in: int = 300) -> None:
        self.valid_secret = valid_secret
        self.expires_in = expires_in
        self.calls = 0

    def post(self, url: str, data: dict[str, str], timeout: float) -> FakeResponse:
        self.calls += 1
        if data["client_secret"] != self.valid_secret:
            return FakeResponse(401, {"error": "invalid_client"})
        return FakeResponse(
            200,
            {
                "access_token": f"tok-{self.calls}",
                "token_type": "Bearer",
                "expires_in": self.expires_in,
            },
        )


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def provider(secret: str, forced_secret: str | None = None):
    reads = {"cached": 0, "forced": 0}

    def provide(force_fetch: bool = False):
        reads["forced" if force_fetch else "cached"] += 1
        value = forced_secret if force_fetch and forced_secret else secret
        return {"client_id": "fc", "client_secret": value}

    return provide, reads


def make(endpoint: FakeTokenEndpoint, clock: Clock, secret: str = "s3cret-current", **kw):
    provide, reads = provider(secret, kw.pop("forced_secret", None))
    tokens = TokenProvider(
        "http://cerve.test/oauth/token",
        provide,
        session=endpoint,
        clock=clock,
        **kw,  # type: ignore[arg-type]
    )
    return tokens, reads


@pytest.mark.parametrize(("seconds_left", "refreshed"), [(59, True), (60, True), (61, False)])
def test_token_is_refreshed_within_60_seconds_of_expiry(seconds_left, refreshed):
    endpoint, clock = FakeTokenEndpoint(expires_in=300), Clock()
    tokens, _ = make(endpoint, clock)
    first = tokens.token()

    clock.now += 300 - seconds_left
    second = tokens.token()

    assert (second != first) is refreshed
    assert endpoint.calls == (2 if refreshed else 1)


def test_token_is_cached_between_calls():
    endpoint, clock = FakeTokenEndpoint(), Clock()
    tokens, _ = make(endpoint, clock)
    assert tokens.token() == tokens.token() == "tok-1"


def test_force_refresh_fetches_a_new_token():
    endpoint, clock = FakeTokenEndpoint(), Clock()
    tokens, _ = make(endpoint, clock)
    tokens.token()
    assert tokens.token(force_refresh=True) == "tok-2"


def test_rotated_secret_is_re_read_once_and_works():
    endpoint, clock = FakeTokenEndpoint(valid_secret="s3cret-new"), Clock()
    tokens, reads = make(endpoint, clock, secret="s3cret-old", forced_secret="s3cret-new")

    assert tokens.token() == "tok-2"
    assert reads == {"cached": 1, "forced": 1}


def test_invalid_client_after_a_forced_read_is_final_and_says_no_secret():
    endpoint, clock = FakeTokenEndpoint(valid_secret="s3cret-new"), Clock()
    tokens, reads = make(endpoint, clock, secret="s3cret-old")

    with pytest.raises(CerveAuthError, match="invalid_client") as raised:
        tokens.token()

    assert reads == {"cached": 1, "forced": 1}
    assert endpoint.calls == 2
    assert "s3cret" not in str(raised.value)


def test_token_endpoint_5xx_is_transient():
    class Down:
        def post(self, *a: Any, **k: Any) -> FakeResponse:
            return FakeResponse(503, {"error": {"code": "service_unavailable"}})

    tokens, _ = make(Down(), Clock())  # type: ignore[arg-type]
    with pytest.raises(TransientFailure):
        tokens.token()


def test_malformed_token_answer_never_echoes_the_body():
    class Odd:
        def post(self, *a: Any, **k: Any) -> FakeResponse:
            return FakeResponse(200, {"token": "tok-leaky", "expires_in": "soon"})

    tokens, _ = make(Odd(), Clock())  # type: ignore[arg-type]
    with pytest.raises(CerveResponseError, match="POST /oauth/token") as raised:
        tokens.token()
    assert "tok-leaky" not in str(raised.value)


def test_credentials_without_a_secret_are_a_clear_error():
    tokens = TokenProvider(
        "http://cerve.test/oauth/token",
        lambda force_fetch=False: {"client_id": "fc"},
        session=FakeTokenEndpoint(),  # type: ignore[arg-type]
    )
    with pytest.raises(CerveAuthError, match="client_secret"):
        tokens.token()
