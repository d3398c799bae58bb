"""OAuth2 client-credentials issuing for the emulator: rotatable credentials, expiring tokens."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Token:
    client_id: str
    expires_at: float


class TokenIssuer:
    def __init__(
        self,
        client_id: str,
        client_secret: str,
        token_ttl_s: int,
        clock: Callable[[], float],
    ) -> None:
        self._lock = threading.Lock()
        self._credentials = {client_id: client_secret}
        self.client_id = client_id
        self.token_ttl_s = token_ttl_s
        self._clock = clock
        self._tokens: dict[str, _Token] = {}

    @property
    def client_secret(self) -> str:
        with self._lock:
            return self._credentials[self.client_id]

    def issue(self, client_id: str, client_secret: str) -> dict[str, object] | None:
        """A token response, or None when the credentials are wrong."""
        with self._lock:
            expected = self._credentials.get(client_id)
            if expected is None or not secrets.compare_digest(expected, client_secret):
                return None
            token = secrets.token_urlsafe(24)
            self._tokens[token] = _Token(client_id, self._clock() + self.token_ttl_s)
        return {"access_token": token, "token_type": "Bearer", "expires_in": self.token_ttl_s}

    def client_for(self, token: str) -> str | None:
        """The client a live token belongs to, or None for unknown, revoked or expired."""
        with self._lock:
            found = self._tokens.get(token)
            if found is None or found.expires_at <= self._clock():
                return None
            return found.client_id

    def rotate(self, new_secret: str | None = None, *, revoke_tokens: bool = False) -> str:
        """Replace the client secret; the old one stops working at once, as after a rotation."""
        secret = new_secret or secrets.token_urlsafe(24)
        with self._lock:
            self._credentials[self.client_id] = secret
            if revoke_tokens:
                self._tokens.clear()
        return secret

    def expire_all(self) -> None:
        with self._lock:
            now = self._clock()
            for token in self._tokens.values():
                token.expires_at = min(token.expires_at, now)

    def revoke_all(self) -> None:
        with self._lock:
            self._tokens.clear()
