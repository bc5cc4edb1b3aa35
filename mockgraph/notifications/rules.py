"""Graph's rules for a presence subscription: what it may watch, for how long, where it may
deliver. Pure functions: no state, no HTTP.

Source: https://learn.microsoft.com/graph/changenotifications-for-presence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import unquote, unquote_plus, urlsplit

from cryptography import x509

from mockgraph.domain.guid import GUID
from mockgraph.domain.principal import Principal
from mockgraph.domain.times import parse_offset_datetime
from mockgraph.domain.values import MAX_IDS
from mockgraph.errors import BadRequest, Conflict
from mockgraph.notifications import crypto
from mockgraph.notifications.models import Subscription, SubscriptionBody

MAX_LIFETIME = timedelta(minutes=60)
MIN_LIFETIME = timedelta(minutes=45)
MAX_CLIENT_STATE = 128
# A lifecycle reauthorizationRequired goes out this long before a subscription expires.
LIFECYCLE_LEAD = timedelta(minutes=5)
# Graph's answer to a malformed $filter in a subscription's resource, word for word.
INVALID_FILTER = "Invalid filter clause"
_COLLECTION = re.compile(r"^/?communications/presences$", re.IGNORECASE)
_SINGLE = re.compile(r"^/?communications/presences/([^/]+)$", re.IGNORECASE)
# OData tokens: a string literal ('' escapes a quote), a name, punctuation, or anything else.
_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<name>[A-Za-z_$][\w.$]*)|(?P<punct>[(),])|(?P<other>\S))"
)
_ID, _IN = ("name", "id"), ("name", "in")
_OPEN, _CLOSE, _COMMA = ("punct", "("), ("punct", ")"), ("punct", ",")


@dataclass(frozen=True)
class Plan:
    """A subscription request that passed every rule, before the handshake."""

    user_ids: tuple[str, ...]
    expires_at: float
    certificate: x509.Certificate | None
    # What its notifications name as their resource (None: each item's own user).
    notified_resource: str | None


def check(body: SubscriptionBody, now: float, *, https_only: bool) -> Plan:
    """Every rule a new subscription must meet, in the order Graph checks them."""
    if body.changeType.lower() != "updated":
        raise BadRequest(
            f"The changeType '{body.changeType}' is not supported for presence; use 'updated'."
        )
    user_ids = presence_user_ids(body.resource)
    expires_at = expiry(body.expirationDateTime, now)
    if body.clientState is not None and len(body.clientState) > MAX_CLIENT_STATE:
        raise BadRequest(f"clientState is longer than {MAX_CLIENT_STATE} characters.")
    for url in filter(None, (body.notificationUrl, body.lifecycleNotificationUrl)):
        check_url(url, https_only=https_only)
    certificate = None
    if body.includeResourceData:
        if not body.encryptionCertificate or not body.encryptionCertificateId:
            raise BadRequest(
                "includeResourceData needs an encryptionCertificate and an "
                "encryptionCertificateId to encrypt the resource data with."
            )
        certificate = crypto.load_certificate(body.encryptionCertificate)
        crypto.check_certificate(certificate)
    bulk = "?" in body.resource
    return Plan(user_ids, expires_at, certificate, encoded_filter(user_ids) if bulk else None)


def encoded_filter(user_ids: tuple[str, ...]) -> str:
    """A bulk presence resource as Graph writes it in its notifications, URL-encoded:
    `communications/presences?$filter=id+in+(%27{id}%27%2c%27{id}%27)`."""
    return (
        "communications/presences?$filter=id+in+("
        + "%2c".join(f"%27{user_id}%27" for user_id in user_ids)
        + ")"
    )


def check_quota(existing: list[Subscription], principal: Principal) -> None:
    """One presence subscription per user per app."""
    for subscription in existing:
        if subscription.app_id == principal.app_id and subscription.creator_id == (
            principal.user_id
        ):
            raise Conflict(
                f"Subscription Id {subscription.id} already exists for the requested "
                "combination: one presence subscription per user per app."
            )


def expiry(text: str, now: float) -> float:
    """The expiry Graph keeps for a requested expirationDateTime."""
    when = parse_offset_datetime(text, "expirationDateTime").timestamp()
    if when <= now:
        raise BadRequest(
            "Subscription expiration can only be in the future; the expirationDateTime has passed."
        )
    if when > now + MAX_LIFETIME.total_seconds() + 1:
        raise BadRequest("Subscription expiration can only be 60 minutes in the future.")
    # "Any value under 45 minutes after the time of the request is automatically set to
    # 45 minutes after the request time."
    return max(when, now + MIN_LIFETIME.total_seconds())


def check_url(url: str, *, https_only: bool) -> None:
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed [IPv6], a host that NFKC-normalises into a separator
        raise BadRequest(f"The notification URL '{url}' is not a valid URL.") from None
    try:
        parts.port  # noqa: B018 - reading it checks it
    except ValueError:
        raise BadRequest(f"The notification URL '{url}' has no valid port number.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequest(f"The notification URL '{url}' is not an absolute http(s) URL.")
    if https_only and parts.scheme != "https":
        raise BadRequest(
            f"The notification URL '{url}' must use https "
            "(MOCKGRAPH_WEBHOOK_HTTPS_ONLY is set, as in Graph)."
        )


def presence_user_ids(resource: str) -> tuple[str, ...]:
    """The users a presence resource names, written plain or URL-encoded; 400 otherwise."""
    path, mark, query = resource.strip().partition("?")
    # Percent-escapes are decoded once, in the path and the query alike; `+` is a space in
    # the query only (Graph writes `id+in+(%27…%27)` in its own notifications).
    path = unquote(path)
    single = _SINGLE.match(path)
    if single and not mark:
        ids = [single.group(1)]
    elif _COLLECTION.match(path) and mark:
        ids = list(filter_ids(_filter_option(resource, query)))
    else:
        raise _unsupported(resource)
    if len(ids) > MAX_IDS:
        raise BadRequest(
            f"A presence subscription names 1 to {MAX_IDS} users; {len(ids)} were given."
        )
    for user_id in ids:
        if not GUID.match(user_id):
            raise BadRequest(f"'{user_id}' in the resource is not a user object id (a GUID).")
    return tuple(dict.fromkeys(i.lower() for i in ids))


def _filter_option(resource: str, query: str) -> str:
    """The one $filter of the resource's query; any other query option is not supported."""
    found: list[str] = []
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if unquote_plus(name).strip().lower() != "$filter":
            raise _unsupported(resource)
        found.append(unquote_plus(value))
    if len(found) > 1:
        raise BadRequest(
            "Query option '$filter' was specified more than once, but it must be specified "
            "at most once."
        )
    return found[0]


def filter_ids(text: str) -> list[str]:
    """The ids of `id in ('{id}', …)`, in parentheses or not; Graph's 400 for anything else."""
    tokens = _tokens(text)
    while tokens[:1] == [_OPEN] and tokens[-1:] == [_CLOSE]:
        tokens = tokens[1:-1]
    items = tokens[3:-1]
    if tokens[:3] != [_ID, _IN, _OPEN] or tokens[-1:] != [_CLOSE] or len(items) % 2 == 0:
        raise BadRequest(INVALID_FILTER)
    ids: list[str] = []
    for index, (kind, value) in enumerate(items):
        if index % 2 == 1:
            if (kind, value) != _COMMA:
                raise BadRequest(INVALID_FILTER)
        elif kind == "string":
            ids.append(value[1:-1].replace("''", "'"))
        else:
            raise BadRequest(INVALID_FILTER)
    return ids


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind is None or kind == "other":
            raise BadRequest(INVALID_FILTER)
        value = match.group(kind)
        # Graph reads the property and the operator whatever their case.
        tokens.append((kind, value.lower() if kind == "name" else value))
    return tokens


def _unsupported(resource: str) -> BadRequest:
    return BadRequest(
        f"The resource '{resource}' is not supported: mockgraph emulates presence "
        "subscriptions only, '/communications/presences/{id}' or "
        "\"/communications/presences?$filter=id in ('{id}','{id}')\"."
    )
