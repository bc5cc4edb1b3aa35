"""What mockgraph tells a developer about their client, from the journal: permissions,
throttling budget, polling, retries and hygiene (report.py), and the journal as HAR (har.py)."""
