"""The MWS gateway: every MWS call of the portal goes through it.

Services ask for calls with ``services.request_call`` and receive outcomes in the result handler
functions they pass with them (``handlers``). The gateway keeps a model of MWS's throttle
buckets that all workers share (the arithmetic in ``bucket_arithmetic``, its stores in
``buckets``), sends each call when a token is there (``dispatch``; ``interactive`` for the few a
person waits for), gives every sent call the same bookkeeping (``bookkeeping``: bucket, request
log), retries what is safe to retry, and tells the sellers app what MWS said about an
authorization (``signals``). Celery appears only in ``tasks``. See docs/call-path.md for the
whole walk.
"""
