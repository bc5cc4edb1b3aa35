"""The intercepting forward proxy: `CONNECT graph.microsoft.com:443` lands on mockgraph.

A client with HTTPS_PROXY pointing here sends `CONNECT host:443` without resolving the host.
For a Graph, Entra or Azure Resource Manager host (clouds.INTERCEPTED_HOSTS) the proxy
answers 200, terminates TLS
with mockgraph's leaf (SNI checked against the allowlist and the CONNECT host), and hands the
decrypted connection to the same uvicorn HTTP protocol the server's own port runs: same app,
routes, journal, faults and limits, and the server's graceful shutdown covers it too. Hosts
named in --proxy-passthrough are tunnelled unchanged; everything else gets a 403 that says
why. The proxy never opens a connection of its own accord (docs/proxy.md, 'Security notes').
"""

from __future__ import annotations

from mockgraph.hostports import parse_passthrough
from mockgraph.proxy.listener import Proxy, for_server

# parse_passthrough lives in hostports.py; re-exported only until tests/test_proxy.py imports it
# from there.
__all__ = ["Proxy", "for_server", "parse_passthrough"]
