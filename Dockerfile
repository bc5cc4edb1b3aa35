# mockgraph: a faithful, stateful emulator of the Microsoft Graph presence API.
#   docker build -t mockgraph .
#   docker run --rm -p 8000:8000 mockgraph
# Any Debian-like image with python3 (3.11 or newer) and its venv module can be the base.
ARG PYTHON_IMAGE=python:3.12-slim

FROM ${PYTHON_IMAGE} AS build
# The CA bundle pip trusts during the build (a corporate proxy's CA may be in it).
ARG PIP_CERT=/etc/ssl/certs/ca-certificates.crt
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_CERT=${PIP_CERT}
WORKDIR /src
COPY pyproject.toml README.md ./
COPY mockgraph ./mockgraph
# Build the wheel, then install it with its dependencies into a venv of its own; what serving
# never imports (setuptools, uvicorn[standard]'s YAML, websockets and reload parts, type stubs,
# and the Cython and C sources uvloop ships beside its compiled modules) goes.
RUN python3 -m venv /opt/mockgraph \
 && /opt/mockgraph/bin/pip wheel --quiet --no-deps --wheel-dir /wheels . \
 && /opt/mockgraph/bin/pip install --quiet /wheels/*.whl \
 && /opt/mockgraph/bin/pip uninstall --quiet --yes setuptools pyyaml websockets watchfiles \
 && /opt/mockgraph/bin/pip uninstall --quiet --yes pip \
 && rm -rf /opt/mockgraph/lib/python3*/site-packages/pip* \
 && find /opt/mockgraph \( -name '*.pyi' -o -name '*.pyx' -o -name '*.pxd' -o -name '*.c' -o -name '*.h' \) -delete

FROM ${PYTHON_IMAGE}
COPY --from=build /opt/mockgraph /opt/mockgraph
ENV PATH=/opt/mockgraph/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MOCKGRAPH_HOST=0.0.0.0 \
    MOCKGRAPH_PORT=8000
# Not root: any unprivileged uid will do, none needs to exist in /etc/passwd.
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 \
    CMD ["/opt/mockgraph/bin/python", "-m", "mockgraph.healthcheck"]
ENTRYPOINT ["/opt/mockgraph/bin/mockgraph"]
CMD ["serve"]
