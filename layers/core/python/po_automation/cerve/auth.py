"""OAuth2 client-credentials tokens for Cerve, cached for the life of the container.

Credentials come from a provider callable `(force_fetch: bool) -> {"client_id",
"client_secret", ...}` so the Lambda reads Secrets Manager through Powertools' cache and
tests pass a dict. After a rotation Cerve answers `invalid_client`: the provider is asked
once more with `force_fetch=True` (bypassing the cache), and a second refusal is final.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import requests

from .errors import CerveAuthError, CerveResponseError
from .retry import TransientFailure, parse_retry_after

TOKEN_ENDPOINT = "POST /oauth/token"  # noqa: S105 - an endpoint name
REFRESH_MARGIN_S = 60.0


class CredentialsProvider(Protocol):
    def __call__(self, force_fetch: bool = False) -> Mapping[str, Any]: ...


def static_credentials(client_id: str, client_secret: str) -> CredentialsProvider:
    def provide(force_fetch: bool = False) -> Mapping[str, Any]:
        return {"client_id": client_id, "client_secret": client_secret}

    return provide


def secrets_manager_credentials(secret_name: str, max_age_s: int = 300) -> CredentialsProvider:
    """Read the Cerve secret (JSON) through Powertools' cached `get_secret`."""

    def provide(force_fetch: bool = False) -> Mapping[str, Any]:
        from aws_lambda_powertools.utilities.parameters import get_secret  # noqa: PLC0415

        value = get_secret(
            secret_name, transform="json", max_age=max_age_s, force_fetch=force_fetch
        )
        if not isinstance(value, Mapping):
            raise CerveAuthError(f"secret {secret_name} is not a JSON object")
        return value

    return provide


@dataclass(frozen=True)
class _Token:
    value: str
    expires_at: float


class TokenProvider:
    """Thread-safe token cache; refreshes when fewer than `refresh_margin_s` seconds remain."""

    def __init__(
        self,
        auth_url: str,
        credentials_provider: CredentialsProvider,
        *,
        session: requests.Session | None = None,
        timeout_s: float = 10.0,
        refresh_margin_s: float = REFRESH_MARGIN_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.auth_url = auth_url
        self._credentials = credentials_provider
        self._session = session or requests.Session()
        self.timeout_s = timeout_s
        self.refresh_margin_s = refresh_margin_s
        self._clock = clock
        self._lock = threading.Lock()
        self._token: _Token | None = None

    def token(self, *, force_refresh: bool = False, timeout_s: float | None = None) -> str:
        with self._lock:
            cached = self._token
            if force_refresh or cached is None or self._needs_refresh(cached):
                cached = self._token = self._fetch(timeout_s or self.timeout_s)
            return cached.value

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def _needs_refresh(self, token: _Token) -> bool:
        return token.expires_at - self._clock() <= self.refresh_margin_s

    def _fetch(self, timeout_s: float) -> _Token:
        response = self._request(self._credentials(False), timeout_s)
        if _is_invalid_client(response):
            # Perhaps the secret was rotated: re-read it once, bypassing any cache.
            response = self._request(self._credentials(True), timeout_s)
            if _is_invalid_client(response):
                raise CerveAuthError(
                    "Cerve refused the client credentials (invalid_client) after re-reading "
                    "the secret",
                    endpoint=TOKEN_ENDPOINT,
                    status=response.status_code,
                    code="invalid_client",
                )
        return self._parse(response)

    def _request(self, credentials: Mapping[str, Any], timeout_s: float) -> requests.Response:
        try:
            client_id, client_secret = credentials["client_id"], credentials["client_secret"]
        except (KeyError, TypeError):
            raise CerveAuthError(
                "Cerve credentials need client_id and client_secret", endpoint=TOKEN_ENDPOINT
            ) from None
        try:
            response = self._session.post(
                self.auth_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": client_id,
                    "client_secret": client_secret,
                },
                timeout=timeout_s,
            )
        except requests.RequestException as exc:
            # Only the exception's type: its text can echo the request.
            raise TransientFailure(f"{TOKEN_ENDPOINT}: {type(exc).__name__}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientFailure(
                f"{TOKEN_ENDPOINT}: HTTP {response.status_code}",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        return response

    def _parse(self, response: requests.Response) -> _Token:
        if response.status_code != 200:
            raise CerveAuthError(
                f"Cerve refused the token request: HTTP {response.status_code}",
                endpoint=TOKEN_ENDPOINT,
                status=response.status_code,
                code=_oauth_error(response),
            )
        try:
            body = json.loads(response.content)
            value = body["access_token"]
            expires_in = float(body.get("expires_in", 300))
            if not isinstance(value, str) or not value:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            # Never include the body here: it holds the token.
            raise CerveResponseError(
                f"malformed response from {TOKEN_ENDPOINT}: no usable access_token/expires_in",
                endpoint=TOKEN_ENDPOINT,
                status=response.status_code,
            ) from None
        return _Token(value, self._clock() + expires_in)


def _oauth_error(response: requests.Response) -> str | None:
    try:
        error = json.loads(response.content).get("error")
    except (ValueError, AttributeError):
        return None
    return error if isinstance(error, str) else None


def _is_invalid_client(response: requests.Response) -> bool:
    return response.status_code in (400, 401) and _oauth_error(response) == "invalid_client"
