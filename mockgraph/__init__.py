"""mockgraph: a faithful, stateful emulator of the Microsoft Graph presence API."""

from __future__ import annotations

__version__ = "0.1.0"
