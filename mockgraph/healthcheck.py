"""The image's HEALTHCHECK: `python -m mockgraph.healthcheck`, with no curl and no heavy import."""

from __future__ import annotations

import os
import sys
import urllib.request


def main() -> int:
    port = os.environ.get("MOCKGRAPH_PORT", "8000")
    scheme = "https" if os.environ.get("MOCKGRAPH_TLS", "").lower() in ("1", "true") else "http"
    url = f"{scheme}://127.0.0.1:{port}/_mockgraph/health"
    try:
        import ssl

        context = ssl._create_unverified_context() if scheme == "https" else None
        with urllib.request.urlopen(url, timeout=2, context=context) as answer:
            return 0 if answer.status == 200 else 1
    except OSError as exc:
        print(f"mockgraph is not healthy at {url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
