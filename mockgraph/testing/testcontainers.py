"""mockgraph as a Testcontainers module for testcontainers-python.

    pip install 'mockgraph[testcontainers]'

    from mockgraph.testcontainers import MockGraphContainer

    with MockGraphContainer("mockgraph:latest") as mockgraph:
        admin = mockgraph.admin()
        token = admin.token("fa8bf3dc-eca7-46b7-bad1-db199b62afc3", ["Presence.Read"])
        headers = {"Authorization": f"Bearer {token}"}
        httpx.get(f"{mockgraph.graph_url}/me/presence", headers=headers)

Nothing in mockgraph imports this module, so the base install needs no testcontainers.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

import httpx

from mockgraph.testing.admin import MockGraphAdmin

try:
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.image import DockerImage
except ImportError as missing:  # pragma: no cover - depends on the extra being installed
    raise ImportError(
        "mockgraph.testcontainers needs testcontainers-python: "
        "pip install 'mockgraph[testcontainers]'"
    ) from missing

PORT = 8000
HEALTH = "/_mockgraph/health"
# A clone has the Dockerfile beside the package; an installed wheel does not.
SOURCE = Path(__file__).resolve().parent.parent


class MockGraphContainer(DockerContainer):
    """mockgraph in a Docker container, ready (healthy) when `start()` returns.

    Args:
        image: the image to run, e.g. "mockgraph:latest"; None builds one from `source`.
        source: a mockgraph checkout with its Dockerfile (this package's own when None).
        admin_key: sets MOCKGRAPH_ADMIN_KEY; `admin()` then sends it.
        fixtures: a fixture file on this machine, mounted read-only and used as the seed.
        host_network: run with `--network host` on a free port instead of a mapped one
            (for Docker engines without a bridge network).
        startup_timeout: seconds to wait for GET /_mockgraph/health to answer 200.
        **kwargs: passed to testcontainers' DockerContainer.
    """

    def __init__(
        self,
        image: str | None = None,
        *,
        source: Path | None = None,
        admin_key: str | None = None,
        fixtures: Path | None = None,
        host_network: bool = False,
        startup_timeout: float = 60.0,
        **kwargs: Any,
    ) -> None:
        self._built: DockerImage | None = None
        if image is None:
            context = source or SOURCE
            if not (context / "Dockerfile").is_file():
                raise ValueError(
                    f"No Dockerfile in {context}: pass an image, or the path of a mockgraph "
                    "checkout as source."
                )
            self._built = DockerImage(path=str(context), tag="mockgraph:testcontainers")
            image = "mockgraph:testcontainers"
        super().__init__(image, **kwargs)
        self.admin_key = admin_key
        self.startup_timeout = startup_timeout
        self._host_port: int | None = None
        if admin_key:
            self.with_env("MOCKGRAPH_ADMIN_KEY", admin_key)
        if fixtures is not None:
            self.with_volume_mapping(str(Path(fixtures).resolve()), "/fixtures.json", "ro")
            self.with_env("MOCKGRAPH_FIXTURES", "/fixtures.json")
        if host_network:
            self._host_port = _free_port()
            self.with_env("MOCKGRAPH_PORT", str(self._host_port))
            self.with_kwargs(network_mode="host")
        else:
            self.with_exposed_ports(PORT)

    def start(self) -> MockGraphContainer:
        if self._built is not None:
            self._built.build()
        super().start()
        self._wait_until_healthy()
        return self

    def stop(self, force: bool = True, delete_volume: bool = True) -> None:
        super().stop(force=force, delete_volume=delete_volume)
        if self._built is not None:
            self._built.remove()

    @property
    def url(self) -> str:
        """The server's base URL, e.g. http://localhost:32768."""
        if self._host_port is not None:
            return f"http://127.0.0.1:{self._host_port}"
        return f"http://{self.get_container_host_ip()}:{self.get_exposed_port(PORT)}"

    @property
    def graph_url(self) -> str:
        """Graph's v1.0 endpoint on this server, for a Graph client's base URL."""
        return f"{self.url}/v1.0"

    def admin(self, tenant: str | None = None) -> MockGraphAdmin:
        """A control-plane client of this container (with its admin key, if it has one)."""
        return MockGraphAdmin(self.url, tenant=tenant, admin_key=self.admin_key)

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            try:
                answer = httpx.get(f"{self.url}{HEALTH}", timeout=2)
                if answer.status_code == 200:
                    return
                last = f"{answer.status_code} {answer.text[:200]}"
            except httpx.TransportError as error:
                last = f"{type(error).__name__}: {error}"
            time.sleep(0.1)
        logs = b"\n".join(self.get_logs()).decode("utf-8", "replace")[-2000:]
        raise TimeoutError(
            f"mockgraph did not answer {HEALTH} within {self.startup_timeout:.0f} s "
            f"({last}); its log:\n{logs}"
        )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
