"""State, no HTTP: tenants, users, seed and state files, journal, faults and throttling."""
