"""create_app: wires settings, clock, state, tokens and routes into one ASGI app."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp

from mockgraph import __version__
from mockgraph.admin.routes import router as admin_router
from mockgraph.auth.keys import SigningKey
from mockgraph.auth.tokens import TokenAuthority
from mockgraph.clock import Clock
from mockgraph.errors import (
    BadRequest,
    GeneralException,
    GraphError,
    MethodNotAllowed,
    NotFound,
    RequestEntityTooLarge,
    describe_validation_error,
    render_error,
)
from mockgraph.fixtures import Fixtures, load_fixtures
from mockgraph.http import Receive, Scope, Send, graph_headers, request_ids, with_graph_headers
from mockgraph.openapi import DESCRIPTION, build_openapi
from mockgraph.presence.routes import GraphRouter
from mockgraph.runtime import Runtime
from mockgraph.settings import Settings
from mockgraph.store import Store

log = logging.getLogger("mockgraph")
GRAPH_PREFIXES = ("/v1.0/", "/beta/")


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    fixtures: Fixtures | None = None,
) -> FastAPI:
    """Build a mockgraph app.

    Args:
        settings: how to run; defaults throughout when None.
        clock: the clock every Graph rule follows; a real, running one when None.
        fixtures: seed data; read from `settings.fixtures` when None.

    Returns:
        A FastAPI app serving Graph presence at /v1.0 and /beta, the control plane at
        /_mockgraph, and Swagger UI at /docs. Two apps never share state.
    """
    settings = settings or Settings()
    clock = clock or Clock()
    fixtures = fixtures or load_fixtures(settings.fixtures)
    runtime = Runtime(
        settings=settings,
        fixtures=fixtures,
        clock=clock,
        store=Store(fixtures, clock),
        tokens=TokenAuthority(SigningKey(settings.signing_key)),
    )
    app = FastAPI(
        title="mockgraph",
        version=__version__,
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url="/redoc",
    )
    app.state.runtime = runtime
    app.include_router(admin_router)
    _install_error_handlers(app, clock)
    graph = GraphRouter(runtime.store, runtime.tokens, clock, settings)
    app.add_middleware(GraphMiddleware, graph=graph, max_body_bytes=settings.max_body_bytes)
    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]
    return app


class GraphMiddleware:
    """Pure ASGI: Graph calls go straight to the lean router; the rest gets Graph's headers."""

    def __init__(self, app: ASGIApp, graph: GraphRouter, max_body_bytes: int) -> None:
        self.app = app
        self.graph = graph
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(GRAPH_PREFIXES):
            await self.graph(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_body_bytes:
                error = RequestEntityTooLarge("The request body is larger than mockgraph accepts.")
                await self.graph.send_error(scope, send, error)
                return
        request_ids(scope)
        await self.app(scope, receive, with_graph_headers(scope, send))


def _install_error_handlers(app: FastAPI, clock: Clock) -> None:
    """Every error FastAPI or Starlette raises leaves in Graph's envelope."""

    def answer(request: Request, error: GraphError) -> Response:
        request_id, client_request_id = request_ids(request.scope)
        body = render_error(
            error, request_id=request_id, client_request_id=client_request_id, now=clock.now()
        )
        headers = {k.decode(): v.decode("latin-1") for k, v in graph_headers(request.scope)}
        headers.update(error.headers)
        return Response(
            body, status_code=error.status, media_type="application/json", headers=headers
        )

    @app.exception_handler(GraphError)
    async def graph_error(request: Request, exc: GraphError) -> Response:
        return answer(request, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0]
        operation = request.url.path.rsplit("/", 1)[-1]
        return answer(request, BadRequest(describe_validation_error(first, operation)))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return answer(
                request,
                NotFound(
                    f"mockgraph has nothing at {request.method} {request.url.path}; see /docs."
                ),
            )
        if exc.status_code == 405:
            return answer(
                request,
                MethodNotAllowed(
                    f"The method {request.method} is not allowed on {request.url.path}.",
                    headers=dict(exc.headers or {}),
                ),
            )
        return answer(
            request,
            GraphError(
                str(exc.detail),
                status=exc.status_code,
                code="BadRequest" if exc.status_code < 500 else "generalException",
            ),
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("unexpected error in %s %s", request.method, request.url.path, exc_info=exc)
        return answer(
            request,
            GeneralException("An unexpected error occurred in mockgraph; its log has the details."),
        )
