"""The command line: `mockgraph serve` and the commands that drive a running server."""
