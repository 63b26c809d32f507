"""The shared Amazon MWS client: signing, the operation catalog, requests, parsing and errors.

Plain Python on top of requests and lxml. Nothing here imports Django or the sandbox, so the
same code signs requests for the portal, the Celery workers, the benchmarks and any script.

Modules:

- ``signing``: Signature Version 2 (canonical query string, string to sign, HMAC).
- ``checksums``: base64 MD5 of bytes or a file, as MWS wants for feeds and reports.
- ``endpoints``: regions, hosts and marketplace ids.
- ``operations``: the one catalog of Reports, Feeds and Sellers operations and enumerations.
- ``params``: validation and wire encoding of an operation's parameters.
- ``client``: ``MWSClient`` (calls, paging, streamed downloads and uploads).
- ``xmlparse`` / ``results``: hardened XML parsing into typed results.
- ``errors``: one exception class per family of MWS error a caller acts on.
- ``retry``: the guide's backoff for server errors and transport failures.
- ``useragent``: the User-Agent header in the guide's format and length limit.
- ``redaction``: masks secrets in URLs, parameter dicts and free text before logging.
"""
