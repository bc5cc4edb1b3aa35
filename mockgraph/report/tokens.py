"""Token requests a token cache would have saved: a client that asks Entra again for a token
for the same scopes while the one it got last is still valid.

"MSAL caches a token after it's been acquired. Your application code should first try to get a
token silently from the cache before attempting to acquire a token by other means."
(https://learn.microsoft.com/entra/identity-platform/msal-acquire-cache-tokens)
"""

from __future__ import annotations

from collections.abc import Sequence

from mockgraph.domain.times import format_timestamp
from mockgraph.report.findings import WARNING, Finding, plural
from mockgraph.state.tokenlog import TokenRequest

SOURCE = "https://learn.microsoft.com/entra/identity-platform/msal-acquire-cache-tokens"
# A new token is due this close to the old one's expiry (MSAL and azure-identity refresh 5
# minutes before it); a request earlier than that is one a cache would have answered.
REFRESH_MARGIN = 300.0
# Repeats below this many are not reported: one may be a restart.
MIN_REPEATS = 2


def repeated_tokens(requests: Sequence[TokenRequest]) -> Finding | None:
    """One client's token requests made while its last token for the same scopes was valid."""
    latest: dict[tuple[str, ...], TokenRequest] = {}
    repeats: list[tuple[TokenRequest, TokenRequest]] = []
    for request in sorted(requests, key=lambda r: r.time):
        previous = latest.get(request.scopes)
        if previous is not None and previous.expires_at - request.time > REFRESH_MARGIN:
            repeats.append((previous, request))
        latest[request.scopes] = request
    if len(repeats) < MIN_REPEATS:
        return None
    left = max(previous.expires_at - request.time for previous, request in repeats)
    return Finding(
        "hygiene",
        "tokenNotCached",
        WARNING,
        f"{plural(len(repeats), 'token request')} for a token the client still held (up to "
        f"{left / 60:.0f} min before it expired)",
        "Cache the token until shortly before it expires; MSAL and azure-identity do this for you.",
        (),
        count=len(repeats),
        details={
            "times": [format_timestamp(request.time) for _, request in repeats],
            "requests": [
                {**request.as_json(), "previousExpiresAt": format_timestamp(previous.expires_at)}
                for previous, request in repeats
            ],
        },
        source=SOURCE,
    )
