"""Swagger UI at /docs and ReDoc at /redoc, served from mockgraph itself with no CDN."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse, JSONResponse, Response

from mockgraph.openapi.examples import Examples, fresh
from mockgraph.openapi.security import SIGN_IN_SCOPES

# The assets ship in the fastapi-offline package; nothing is fetched from the internet.
ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/docs/assets"
SWAGGER_PARAMETERS = {
    # No call to validator.swagger.io, keep the token across reloads, show timings.
    "validatorUrl": None,
    "persistAuthorization": True,
    "displayRequestDuration": True,
    "docExpansion": "none",
    "filter": True,
}


# ReDoc fetches its footer logo from a CDN (Redocly/redoc#2108); it gets an inline one instead.
REDOC_CDN_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
INLINE_LOGO = (
    "data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='16' height='16'/>"
)


def install_docs(app: FastAPI) -> None:
    """Serve Swagger UI and ReDoc with their assets from this process."""
    redoc_js: list[bytes] = []

    @app.get(f"{ASSETS_URL}/redoc.standalone.js", include_in_schema=False)
    async def redoc_script() -> Response:
        if not redoc_js:
            text = (ASSETS / "redoc.standalone.js").read_bytes()
            redoc_js.append(text.replace(REDOC_CDN_LOGO.encode(), INLINE_LOGO.encode()))
        return Response(redoc_js[0], media_type="application/javascript")

    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")
    openapi_url = "/openapi.json"
    redirect_url = "/docs/oauth2-redirect"

    @app.get(openapi_url, include_in_schema=False)
    async def openapi_document(request: Request) -> JSONResponse:
        # Examples that must lie ahead in time, or name this server, are filled in per request.
        tenant = request.app.state.runtime.store.tenant(
            request.app.state.runtime.fixtures.tenant_id
        )
        return JSONResponse(fresh(app.openapi(), str(request.base_url), tenant.clock.now()))

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=redirect_url,
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
            swagger_ui_parameters=SWAGGER_PARAMETERS,
            init_oauth=_init_oauth(app),
        )

    @app.get(redirect_url, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )


def _init_oauth(app: FastAPI) -> dict[str, object]:
    """Authorize signs in through mockgraph's own endpoints: the fixtures' public client, PKCE."""
    examples = Examples(app.state.runtime.fixtures)
    client = examples.public_client or examples.delegated_app
    return {
        "clientId": client.appId if client is not None else "",
        "usePkceWithAuthorizationCodeGrant": True,
        "scopes": " ".join(SIGN_IN_SCOPES),
        "appName": "mockgraph Swagger UI",
    }
