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
from mockgraph.gateway.routing import VERSIONS, Routes

__all__ = [
    "GRAPH_ERRORS",
    "VERSIONS",
    "Doc",
    "Gateway",
    "GraphRequest",
    "Handler",
    "Operation",
    "Reply",
    "Routes",
    "Subject",
    "signed_in_user",
]
