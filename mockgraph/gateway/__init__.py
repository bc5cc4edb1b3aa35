"""The Graph gateway: one request pipeline, and the operations each resource registers with it.

How a resource plugs in: see `Routes` (routing.py) and `Operation` (operation.py).
"""

from mockgraph.gateway.operation import (
    GRAPH_ERRORS,
    Doc,
    GraphRequest,
    Handler,
    Operation,
    Reply,
    Subject,
    signed_in_user,
)
from mockgraph.gateway.pipeline import Gateway
from mockgraph.gateway.routing import ANY, VERSIONS, OtherMethod, Routes

__all__ = [
    "ANY",
    "GRAPH_ERRORS",
    "VERSIONS",
    "Doc",
    "Gateway",
    "GraphRequest",
    "Handler",
    "Operation",
    "OtherMethod",
    "Reply",
    "Routes",
    "Subject",
    "signed_in_user",
]
