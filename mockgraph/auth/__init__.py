"""Tokens: signing keys, minting, verification the way Graph does it, and the permission matrix."""
