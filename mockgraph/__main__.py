from __future__ import annotations

from mockgraph.cli import main

raise SystemExit(main())
