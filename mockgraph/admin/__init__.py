"""The /_mockgraph control plane: health, the token helper, the clock."""
