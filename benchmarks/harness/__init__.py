"""What every benchmark case shares: servers, wrk, the seeded tenant, the table. Imports no case."""
