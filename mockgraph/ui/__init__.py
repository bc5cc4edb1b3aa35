"""The dashboard: a live board of presence, the journal and the controls, at /_mockgraph/ui."""
