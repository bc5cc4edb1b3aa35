"""The bottom layer: the user record and its presence state, and Graph's value types.

Imports nothing of mockgraph's but the leaves (clock, errors)."""
