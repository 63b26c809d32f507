"""The MWS gateway: every MWS call of the portal goes through it.

Services ask for calls with ``services.request_call`` and receive outcomes in registered result
handlers (``handlers.result_handler``). The gateway keeps a model of MWS's throttle buckets that
all workers share (``buckets``), sends each call when a token is there (``dispatch``), retries
what is safe to retry, and records every attempt in the request log (``models``).
"""
