"""ARM's errors: one exception per ARM code, and the only place that renders ARM's envelope,
`{"error": {"code": ..., "message": ...}}`
(https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/common-deployment-errors,
https://github.com/Azure/azure-resource-manager-rpc/blob/master/v1.0/common-api-details.md)."""

from __future__ import annotations

import json


class ArmError(Exception):
    """An error Azure Resource Manager would answer with."""

    status: int = 400
    code: str = "BadRequest"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}

    def body(self) -> bytes:
        return json.dumps({"error": {"code": self.code, "message": self.message}}).encode()


class AuthenticationFailed(ArmError):
    status, code = 401, "AuthenticationFailed"


class InvalidAuthenticationToken(ArmError):
    status, code = 401, "InvalidAuthenticationToken"


class InvalidAuthenticationTokenAudience(ArmError):
    status, code = 401, "InvalidAuthenticationTokenAudience"


class ExpiredAuthenticationToken(ArmError):
    status, code = 401, "ExpiredAuthenticationToken"


class MissingApiVersionParameter(ArmError):
    status, code = 400, "MissingApiVersionParameter"


class InvalidApiVersionParameter(ArmError):
    status, code = 400, "InvalidApiVersionParameter"


class SubscriptionNotFound(ArmError):
    status, code = 404, "SubscriptionNotFound"


class NotEmulated(ArmError):
    """A path or method of ARM that mockgraph does not emulate: it says so."""

    status, code = 404, "NotFound"


class InternalServerError(ArmError):
    status, code = 500, "InternalServerError"


class InvalidSubscriptionId(ArmError):
    status, code = 400, "InvalidSubscriptionId"
