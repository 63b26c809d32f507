"""Signed SubmitFeed requests per second: MWSClient against python-amazon-mws 0.8.15.

Both sides do the same work for one request, with the same parameters: take the caller's
values, add the common parameters (access key, account, auth token, timestamp, version,
signature method and version), encode and sort them into the canonical query, HMAC-SHA256 it
and build the request URL and headers. Neither side touches the network or hashes a feed body
(the feed's MD5 is given, as ContentMD5Value).

- ours: ``MWSClient.prepare("SubmitFeed", ...)``, the path every real call takes (it also
  validates every parameter against the catalog).
- peer: python-amazon-mws's ``Feeds.submit_feed`` parameter building followed by the steps
  of its ``MWS.make_request`` up to the HTTP call, using its own functions.

Before timing, each side's signature is verified with the other side's code, so both are
known to produce valid, equivalent requests.

Prints one JSON object. Usage: python bench/signing.py [--seconds 0.1] [--rounds 40]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import mws
from mws import utils as peer_utils
from mws.future_utils.params import clean_params_dict, remove_empty_param_keys
from mws.mws import calc_request_description

from bench.support import cpu_model
from mwsclient.client import Credentials, MWSClient
from mwsclient.signing import sign, string_to_sign

ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
# The AWS documentation's example key and the MWS documentation's example token.
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # noqa: S105
SELLER = "A1EXAMPLE0SELLER"
AUTH_TOKEN = "amzn.mws.4ea38b7b-f563-7709-4bae-87aeaEXAMPLE"  # noqa: S105
FEED_TYPE = "_POST_INVENTORY_AVAILABILITY_DATA_"
MARKETPLACES = ["A1PA6795UKMFR9", "A1F83G8C2ARO7P"]
FEED_MD5 = "3cldK7kqMxK6orwvXXdzSQ=="
# The ten request parameters besides SignatureMethod, SignatureVersion and Signature.
PARAMETERS = [
    "AWSAccessKeyId",
    "Action",
    "ContentMD5Value",
    "FeedType",
    "MWSAuthToken",
    "MarketplaceIdList.Id.1",
    "MarketplaceIdList.Id.2",
    "Merchant",
    "Timestamp",
    "Version",
]


def ours() -> Callable[[], tuple[str, Mapping[str, str]]]:
    client = MWSClient(
        Credentials(ACCESS_KEY, SECRET_KEY), app_name="MWS Portal", app_version="bench"
    )
    values = {"FeedType": FEED_TYPE, "MarketplaceIdList": MARKETPLACES, "ContentMD5Value": FEED_MD5}

    def prepare() -> tuple[str, Mapping[str, str]]:
        request = client.prepare(
            "SubmitFeed",
            seller_id=SELLER,
            auth_token=AUTH_TOKEN,
            marketplace="DE",
            params=values,
        )
        return request.url, request.headers

    return prepare


def peer() -> Callable[[], tuple[str, Mapping[str, str]]]:
    api = mws.Feeds(
        ACCESS_KEY,
        SECRET_KEY,
        SELLER,
        region="DE",
        uri="/Feeds/2009-01-01",
        auth_token=AUTH_TOKEN,
    )

    def prepare() -> tuple[str, Mapping[str, str]]:
        # Feeds.submit_feed, without hashing a body (the MD5 is passed as on our side).
        data = dict(Action="SubmitFeed", FeedType=FEED_TYPE, FeedOptions=None, PurgeAndReplace=None)
        data.update(peer_utils.enumerate_param("MarketplaceIdList.Id.", MARKETPLACES))
        data["ContentMD5Value"] = FEED_MD5
        # MWS.make_request up to the HTTP call.
        params = api.get_params()
        params.update(data)
        params = remove_empty_param_keys(params)
        params = clean_params_dict(params)
        description = calc_request_description(params)
        signature = api.calc_signature("POST", description)
        url = f"{api.domain}{api.uri}?{description}&Signature={quote(signature)}"
        headers = {"User-Agent": f"python-amazon-mws/{mws.__version__} (Language=Python)"}
        headers.update({"Content-MD5": FEED_MD5, "Content-Type": "text/xml"})
        return url, headers

    return prepare


def _split(url: str) -> tuple[str, str, dict[str, str]]:
    parts = urlsplit(url)
    return parts.netloc, parts.path, dict(parse_qsl(parts.query, keep_blank_values=True))


def cross_check() -> None:
    """Each side's URL carries a signature the other side's code computes too."""
    host, path, params = _split(ours()()[0])
    signature = params.pop("Signature")
    peer_text = "\n".join(["POST", host, path, calc_request_description(clean_params_dict(params))])
    assert sorted(params) == sorted([*PARAMETERS, "SignatureMethod", "SignatureVersion"])
    assert string_to_sign("POST", host, path, params) == peer_text
    assert sign(peer_text, SECRET_KEY) == signature

    host, path, params = _split(peer()()[0])
    signature = params.pop("Signature")
    assert sorted(params) == sorted([*PARAMETERS, "SignatureMethod", "SignatureVersion"])
    assert sign(string_to_sign("POST", host, path, params), SECRET_KEY) == signature


def rate(prepare: Callable[[], object], seconds: float) -> float:
    """Requests per second over a batch sized to take about ``seconds``."""
    batch = 200
    while True:
        started = time.perf_counter()
        for _ in range(batch):
            prepare()
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return batch / elapsed
        batch *= 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.1, help="length of one timed batch")
    parser.add_argument("--rounds", type=int, default=40, help="alternating batches per side")
    args = parser.parse_args()

    cross_check()
    ours_prepare, peer_prepare = ours(), peer()
    rate(ours_prepare, 0.2)  # warm caches and the allocator on both sides
    rate(peer_prepare, 0.2)
    # Short batches, alternating, so both sides see the same machine; the best batch of each
    # is the figure (as timeit advises: slower batches measure other load, not the code).
    ours_rates, peer_rates = [], []
    for _ in range(args.rounds):
        ours_rates.append(rate(ours_prepare, args.seconds))
        peer_rates.append(rate(peer_prepare, args.seconds))
    ours_best, peer_best = max(ours_rates), max(peer_rates)
    ours_median, peer_median = statistics.median(ours_rates), statistics.median(peer_rates)
    print(
        json.dumps(
            {
                "benchmark": "signing",
                "operation": "SubmitFeed",
                "parameters": PARAMETERS,
                "ours_per_s": round(ours_best),
                "peer_per_s": round(peer_best),
                "ratio": round(ours_best / peer_best, 2),
                "ours_median_per_s": round(ours_median),
                "peer_median_per_s": round(peer_median),
                "median_ratio": round(ours_median / peer_median, 2),
                "rounds": args.rounds,
                "batch_seconds": args.seconds,
                "peer": f"python-amazon-mws {mws.__version__}",
                "python": platform.python_version(),
                "cpu": cpu_model(),
                "cores": os.cpu_count(),
                "date": datetime.now(UTC).strftime("%Y-%m-%d"),
            }
        )
    )


if __name__ == "__main__":
    main()
