"""What the Entra tests share: Entra's error envelope, checked, and a password grant's form."""

from __future__ import annotations

import httpx

from tests.constants import ADELE_PASSWORD, ADELE_UPN, BUSY_LIGHT


def assert_entra_error(response: httpx.Response, status: int, error: str, code: int) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {
        "error",
        "error_description",
        "error_codes",
        "timestamp",
        "trace_id",
        "correlation_id",
    }
    assert body["error"] == error
    assert body["error_codes"] == [code]
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    assert "access_token" not in body


def password_form(**extra: str) -> dict[str, str]:
    return {
        "grant_type": "password",
        "client_id": BUSY_LIGHT,
        "username": ADELE_UPN,
        "password": ADELE_PASSWORD,
        **extra,
    }
