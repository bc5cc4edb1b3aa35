"""mockgraph as a container in testcontainers-python tests (public path; see testing/)."""

from mockgraph.testing.testcontainers import MockGraphContainer

__all__ = ["MockGraphContainer"]
