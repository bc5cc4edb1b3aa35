from __future__ import annotations

from mockgraph.cli.main import main

raise SystemExit(main())
