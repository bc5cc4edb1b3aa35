"""Presence change notifications: subscriptions, the validation handshake, webhook delivery."""
