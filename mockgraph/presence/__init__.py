"""The Graph presence API: wire models, Graph's rules, and the lean request path."""
