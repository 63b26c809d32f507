"""What every partner API endpoint shares: key authentication, scopes, errors, cursor pages,
idempotent POSTs and the per-key rate limit. The endpoints themselves live in each app's
``api.py``."""
