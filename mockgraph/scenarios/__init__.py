"""Scenarios: a tenant's users moved through a working day on the tenant's virtual clock."""
