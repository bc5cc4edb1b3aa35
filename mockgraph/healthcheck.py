"""The image's HEALTHCHECK: `python -m mockgraph.healthcheck`, with no curl and no heavy import.

It reads the server's own settings (MOCKGRAPH_PORT, MOCKGRAPH_TLS, MOCKGRAPH_TLS_CERT) through
their declarations, so it probes HTTPS exactly when the server serves it.
"""

from __future__ import annotations

import os
import ssl
import sys
import urllib.request

from mockgraph.settings import Settings


def main() -> int:
    try:
        settings = Settings.from_environ(os.environ)
    except ValueError as exc:
        print(f"mockgraph is not healthy: {exc}", file=sys.stderr)
        return 1
    scheme = "https" if settings.https else "http"
    url = f"{scheme}://127.0.0.1:{settings.port}/_mockgraph/health"
    # The probe checks that the server answers, not who it is: any certificate will do.
    context = ssl._create_unverified_context() if settings.https else None
    try:
        with urllib.request.urlopen(url, timeout=2, context=context) as answer:
            return 0 if answer.status == 200 else 1
    except OSError as exc:
        print(f"mockgraph is not healthy at {url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
