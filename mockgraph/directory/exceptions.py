"""The directory's errors, named after Graph's codes, with Graph's exact messages.

Sources: https://learn.microsoft.com/graph/aad-advanced-queries,
https://learn.microsoft.com/graph/api/user-list; messages known only from captures are recorded
in docs/fidelity.md, 'Directory: users, photos, groups'.
"""

from __future__ import annotations

from mockgraph.errors import GraphError

ADVANCED = (
    "Operator '{op}' is not supported because the required parameters might be missing. "
    "Try adding $count=true query parameter and ConsistencyLevel:eventual header. "
    "Refer to https://aka.ms/graph-docs/advanced-queries for more information"
)
IMAGE_NOT_FOUND = (
    "Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown."
)


class RequestResourceNotFound(GraphError):
    status, code = 404, "Request_ResourceNotFound"


class RequestBadRequest(GraphError):
    status, code = 400, "Request_BadRequest"


class RequestUnsupportedQuery(GraphError):
    status, code = 400, "Request_UnsupportedQuery"


class AuthorizationRequestDenied(GraphError):
    status, code = 403, "Authorization_RequestDenied"


class NotImplementedTarget(GraphError):
    status, code = 501, "NotImplemented"


def resource_not_found(key: str) -> RequestResourceNotFound:
    """Graph's 404 for an unknown user or group: the key as received, each ' doubled."""
    echoed = key.replace("'", "''")
    return RequestResourceNotFound(
        f"Resource '{echoed}' does not exist or one of its queried reference-property "
        "objects are not present."
    )


def invalid_filter(detail: str | None = None) -> GraphError:
    return GraphError("Invalid filter clause" + (f": {detail}" if detail else ""))


def syntax_error(position: int, text: str) -> GraphError:
    return invalid_filter(f"Syntax error at position {position} in '{text}'.")


def needs_advanced(operator: str) -> RequestUnsupportedQuery:
    return RequestUnsupportedQuery(ADVANCED.format(op=operator))


def unsupported_clause(prop: str, resource: str = "User") -> RequestUnsupportedQuery:
    return RequestUnsupportedQuery(
        f"Unsupported or invalid query filter clause specified for property '{prop}' "
        f"of resource '{resource}'."
    )


def unknown_property(prop: str, type_name: str = "user") -> GraphError:
    return GraphError(
        "Parsing OData Select and Expand failed: Could not find a property named "
        f"'{prop}' on type 'microsoft.graph.{type_name}'."
    )


def insufficient_privileges() -> AuthorizationRequestDenied:
    return AuthorizationRequestDenied("Insufficient privileges to complete the operation.")


def image_not_found(code: str) -> GraphError:
    return GraphError(IMAGE_NOT_FOUND, code=code, status=404)


def expand_not_supported(prop: str) -> GraphError:
    """$expand of a navigation property Graph does not expand (the page's $expand=photo error,
    https://learn.microsoft.com/graph/query-parameters)."""
    return GraphError(
        f"Expand is not allowed for property '{prop}' according to the entity schema.",
        code="ExpandNotSupported",
    )


def search_needs_header() -> RequestUnsupportedQuery:
    """$search without ConsistencyLevel (https://learn.microsoft.com/graph/aad-advanced-queries)."""
    return RequestUnsupportedQuery(
        "Request with $search query parameter only works through MSGraph with a special "
        "request header: 'ConsistencyLevel: eventual'"
    )


def reference_filter_unsupported() -> RequestUnsupportedQuery:
    """$filter on a relationship (members, memberOf) without the advanced-query parameters, as
    the live service answers it (microsoftgraph/microsoft-graph-docs-contrib#3972, #3702,
    #8757; msgraph-sdk-java#1841)."""
    return RequestUnsupportedQuery(
        "The specified filter to the reference property query is currently not supported."
    )
