"""Enough Azure Resource Manager for the Azure CLI to sign in: the tenant and subscription
lists, on ARM's hosts only (docs/fidelity.md, 'Azure Resource Manager (for the Azure CLI)')."""
