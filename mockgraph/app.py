"""create_app: wires settings, clock, state, tokens and routes into one ASGI app."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from mockgraph import __version__, batch, metadata
from mockgraph.admin.reports import router as reports_router
from mockgraph.admin.routes import TAG as CONTROL_PLANE
from mockgraph.admin.routes import health_router
from mockgraph.admin.routes import router as admin_router
from mockgraph.admin.service import near_miss
from mockgraph.admin.webhook import router as webhook_router
from mockgraph.arm.routes import ResourceManagerRoutes
from mockgraph.arm.service import ResourceManager
from mockgraph.auth.keys import SigningKey
from mockgraph.auth.tokens import TokenAuthority
from mockgraph.batch import Batching
from mockgraph.clock import Clock
from mockgraph.clouds import Cloud, cloud_for_management_host, parse_cloud
from mockgraph.directory import routes as directory
from mockgraph.directory.service import DirectoryService
from mockgraph.errors import (
    BadRequest,
    GraphError,
    MethodNotAllowed,
    NotFound,
    describe_validation_error,
    render_error,
    unexpected,
)
from mockgraph.gateway import VERSIONS, Gateway, Routes
from mockgraph.gateway.pipeline import too_long
from mockgraph.http import Receive, Scope, Send, graph_headers, request_ids, with_graph_headers
from mockgraph.identity.control import router as device_codes_router
from mockgraph.identity.discovery import router as discovery_router
from mockgraph.identity.errors import (
    EntraError,
    MalformedRequest,
    entra_error_response,
    handle_entra_error,
)
from mockgraph.identity.routes import is_identity_path
from mockgraph.identity.routes import router as identity_router
from mockgraph.identity.service import Identity
from mockgraph.notifications import routes as subscriptions
from mockgraph.notifications.routes import Subscriptions
from mockgraph.notifications.service import Notifier
from mockgraph.openapi.document import DESCRIPTION, build_openapi
from mockgraph.openapi.pages import install_docs
from mockgraph.presence import routes as presence
from mockgraph.presence.routes import PresenceHandlers
from mockgraph.runtime import Runtime
from mockgraph.scenarios.control import Scenarios
from mockgraph.scenarios.routes import router as scenario_router
from mockgraph.scenarios.setup import start_from_settings
from mockgraph.settings import Settings
from mockgraph.state.fixtures import Fixtures, load_fixtures
from mockgraph.state.journal import Journal
from mockgraph.state.store import Store
from mockgraph.state.tokenlog import TokenLog
from mockgraph.steps.admin_key import refusal
from mockgraph.steps.body_limit import declared_too_large, is_chunked, read_chunked
from mockgraph.steps.cors import allowed_origin, preflight, with_cors
from mockgraph.steps.origin_gate import HostNames, cross_origin
from mockgraph.steps.request_log import LOGGED, RequestLog
from mockgraph.steps.request_log import log as request_log
from mockgraph.ui.routes import ASSETS_PATH
from mockgraph.ui.routes import assets as ui_assets
from mockgraph.ui.routes import router as ui_router

GRAPH_PREFIXES = tuple(f"/{version}/" for version in VERSIONS)


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
    runtime, notifier = _runtime(settings, clock, fixtures or load_fixtures(settings.fixtures))
    app = MockGraphApp(
        title="mockgraph",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        # Served by openapi/pages.py, with the examples that depend on the time filled in.
        openapi_url=None,
    )
    app.state.runtime = runtime
    app.request_log = RequestLog(runtime.fixtures, runtime.store)
    runtime.journal.listeners.append(app.request_log.on_entry)
    _install_routers(app)
    # The scenario (mockgraph/scenarios/): idle until started, or started by settings.
    app.state.scenarios = Scenarios(runtime.store, notifier)
    start_from_settings(app.state.scenarios, runtime)
    _install_pages(app)
    _install_error_handlers(app, clock)
    # Presence that changed may owe subscribers a notification (sent in the background): a
    # tenant with subscriptions is scanned after its calls. A running scenario's tenant is
    # caught up to its clock's target before each call.
    app.graph = Gateway(
        *(runtime.routes, runtime.store, runtime.tokens, runtime.journal, settings),
        answered=notifier.scan,
        watched=notifier.watched(),
        arriving=app.state.scenarios.catch_up,
        playing=app.state.scenarios.playing,
    )
    routes = graph_routes(app.graph, runtime, notifier)
    app.arm = ResourceManagerRoutes(
        ResourceManager(runtime.store, runtime.tokens, runtime.fixtures)
    )
    app.max_body_bytes = settings.max_body_bytes
    app.max_url_bytes = settings.max_url_bytes
    app.admin_key = (settings.admin_key or "").encode()
    app.cors_origins = frozenset(o.encode() for o in settings.cors_origins)
    app.hosts = HostNames(settings.allowed_hosts)
    app.openapi = lambda: build_openapi(app, routes)  # type: ignore[method-assign]
    return app


def _install_routers(app: FastAPI) -> None:
    """The control plane's routes (health, admin, report, device codes, scenario) and Entra's."""
    app.include_router(health_router)
    app.include_router(admin_router)
    app.include_router(reports_router)
    app.include_router(device_codes_router, tags=[CONTROL_PLANE])
    app.include_router(identity_router)
    app.include_router(discovery_router)
    app.include_router(scenario_router)


def _install_pages(app: FastAPI) -> None:
    """What a person opens: the dashboard (and / leading to it), Swagger UI, ReDoc, and the
    webhook their subscriptions can name."""
    app.include_router(webhook_router)
    app.include_router(ui_router)
    app.mount(ASSETS_PATH, ui_assets, name="ui-assets")
    install_docs(app)


def _runtime(settings: Settings, clock: Clock, fixtures: Fixtures) -> tuple[Runtime, Notifier]:
    """The live parts: state, tokens, journal, the Entra stand-in and the notifier; and the
    notifier as itself, for the Graph resource it serves (the runtime names it by a protocol)."""
    store = Store(
        fixtures,
        clock,
        throttle=settings.throttle,
        max_tenants=settings.max_tenants,
        any_tenant=settings.tenants == "any",
    )
    tokens = TokenAuthority(SigningKey(settings.signing_key), parse_cloud(settings.cloud))
    notifier = Notifier(
        store,
        tokens,
        https_only=settings.webhook_https_only,
        attempts=settings.webhook_attempts,
        backoff=settings.webhook_backoff,
        timeout=settings.webhook_timeout,
    )
    journal = Journal(settings.journal_size)
    token_log = TokenLog(settings.journal_size, position=lambda: journal.last_sequence)
    runtime = Runtime(
        settings=settings,
        fixtures=fixtures,
        clock=clock,
        store=store,
        tokens=tokens,
        journal=journal,
        token_log=token_log,
        identity=Identity(store, tokens, fixtures, settings, token_log),
        notifier=notifier,
    )
    return runtime, notifier


def graph_routes(gateway: Gateway, runtime: Runtime, notifier: Notifier) -> Routes:
    """Every Graph resource's operations: the one place a new resource is plugged in. Each
    resource's handlers get what they need here, once per app ($batch re-enters `gateway`)."""
    routes, settings = gateway.routes, runtime.settings
    presence.register(routes, PresenceHandlers(strict_session_id=settings.strict_session_id))
    directory.register(routes, DirectoryService(settings.photo_not_found_code))
    subscriptions.register(routes, Subscriptions(notifier))
    batch.register(routes, Batching(gateway, runtime.clock))
    metadata.register(routes)
    return routes


class MockGraphApp(FastAPI):
    """FastAPI for the control plane and the docs; Graph calls skip its middleware entirely.

    Graph paths go straight to the gateway (pure ASGI), after the request log and CORS.
    Everything else goes through FastAPI, with Graph's headers added, after the body-size
    limit and the admin-key gate. Each step lives in mockgraph/steps/.
    """

    graph: Gateway
    arm: ResourceManagerRoutes
    request_log: RequestLog
    max_body_bytes: int
    max_url_bytes: int
    admin_key: bytes
    cors_origins: frozenset[bytes]
    hosts: HostNames

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Graph's calls are the hot path: no step here costs them a frame they do not need.
        if scope["type"] == "http":
            graph = scope["path"].startswith(GRAPH_PREFIXES)
            # The request log wraps any other call, and comes back here to make it; a Graph
            # call's line is written from its journal entry (RequestLog.on_entry).
            if not graph and LOGGED not in scope and request_log.isEnabledFor(logging.INFO):
                await self.request_log.serve(self, scope, receive, send)
                return
            if self.cors_origins:
                origin = allowed_origin(scope, self.cors_origins)
                # CORS is for Graph's and Entra's routes; the control plane is same-origin.
                if origin is not None and (graph or is_identity_path(scope["path"])):
                    if scope["method"] == "OPTIONS":
                        await preflight(scope, send, origin)
                        return
                    send = with_cors(send, origin)
            if graph:
                await self.graph(scope, receive, send)
                return
            # Azure Resource Manager's hosts, through the proxy: ARM alone answers there.
            management = _management_cloud(scope)
            if management is not None:
                await self.arm(scope, send, management)
                return
            await self._through_fastapi(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def _through_fastapi(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The control plane, Entra and the docs: the gates, then FastAPI with Graph's headers."""
        error: GraphError | None = (
            cross_origin(scope, self.hosts)
            or declared_too_large(scope, self.max_body_bytes)
            or refusal(scope, self.admin_key)
        )
        if len(scope["path"]) + len(scope["query_string"]) > self.max_url_bytes:
            error = too_long(scope, self.max_url_bytes)
        if error is not None:
            await self.graph.send_error(scope, send, error)
            return
        if is_chunked(scope):
            try:
                receive = await read_chunked(receive, self.max_body_bytes)
            except GraphError as too_big:
                await self.graph.send_error(scope, send, too_big)
                return
        request_ids(scope)
        await super().__call__(scope, receive, with_graph_headers(scope, send))


def _management_cloud(scope: Scope) -> Cloud | None:
    """The cloud whose ARM host the Host header names, or None."""
    for name, value in scope["headers"]:
        if name == b"host":
            return cloud_for_management_host(value.decode("latin-1"))
    return None


def _error_response(request: Request, error: GraphError, clock: Clock) -> Response:
    """An error in Graph's envelope, or in Entra's shape on Entra's endpoints."""
    if is_identity_path(request.url.path):
        # Entra's endpoints answer even their routing errors in Entra's shape.
        return entra_error_response(
            request, MalformedRequest(status=error.status, detail=error.message)
        )
    request_id, client_request_id = request_ids(request.scope)
    body = render_error(
        error, request_id=request_id, client_request_id=client_request_id, now=clock.now()
    )
    headers = {k.decode(): v.decode("latin-1") for k, v in graph_headers(request.scope)}
    headers.update(error.headers)
    return Response(body, status_code=error.status, media_type="application/json", headers=headers)


def _control_paths(app: FastAPI) -> list[str]:
    """The control plane's paths, from the OpenAPI document (for a near miss's 404)."""
    paths: list[str] = [p for p in app.openapi()["paths"] if p.startswith("/_mockgraph")]
    return paths


def _install_error_handlers(app: FastAPI, clock: Clock) -> None:
    """Every error FastAPI or Starlette raises leaves in Graph's envelope."""

    def answer(request: Request, error: GraphError) -> Response:
        return _error_response(request, error, clock)

    app.add_exception_handler(EntraError, handle_entra_error)

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
            path = request.url.path
            hint = near_miss(path, _control_paths(request.app)) if "mockgraph" in path else ""
            return answer(
                request,
                NotFound(f"mockgraph has nothing at {request.method} {path}; see /docs.{hint}"),
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
    async def unexpected_error(request: Request, exc: Exception) -> Response:
        return answer(request, unexpected(request.method, request.url.path, exc))
