"""The sandbox's Signature Version 2 check against the developer guide and a second signer."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from mwssandbox.signing import canonical_query, signature_matches, string_to_sign

SECRET = "test-secret-key"


def _independent_signature(digest, text: str) -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), text.encode(), digest).digest()).decode()


def test_string_to_sign_matches_the_guides_example():
    params = {
        "AWSAccessKeyId": "AKIAFJPPO5KLY6G4XO7Q",
        "Action": "GetFeedSubmissionResult",
        "FeedSubmissionId": "4321011681",
        "MWSAuthToken": "amzn.mws.4ea38b7b-f563-7709-4bae-87aeaEXAMPLE",
        "Marketplace": "ATVPDKIKXODER",
        "SellerId": "A3F1LGRLCQDI4D",
        "SignatureMethod": "HmacSHA256",
        "SignatureVersion": "2",
        "Timestamp": "2011-02-04T23:08:19Z",
        "Version": "2009-01-01",
        "Signature": "ignored",
    }
    expected = (
        "POST\nmws.amazonservices.com\n/\n"
        "AWSAccessKeyId=AKIAFJPPO5KLY6G4XO7Q&Action=GetFeedSubmissionResult&FeedSubm"
        "issionId=4321011681&MWSAuthToken=amzn.mws.4ea38b7b-f563-7709-4bae-87aeaEXAM"
        "PLE&Marketplace=ATVPDKIKXODER&SellerId=A3F1LGRLCQDI4D&SignatureMethod=HmacS"
        "HA256&SignatureVersion=2&Timestamp=2011-02-04T23%3A08%3A19Z&Version=2009-01"
        "-01"
    )
    assert string_to_sign("POST", "MWS.amazonservices.com", "/", params) == expected


def test_canonical_query_encodes_per_rfc3986():
    params = {"b": "a b+c~d*e", "A": "é/=&", "a": ""}
    # Natural byte order puts upper case first; space is %20, "~" stays, hex is upper case.
    assert canonical_query(params) == "A=%C3%A9%2F%3D%26&a=&b=a%20b%2Bc~d%2Ae"


@pytest.mark.parametrize(
    ("method", "digest"), [("HmacSHA256", hashlib.sha256), ("HmacSHA1", hashlib.sha1)]
)
def test_signatures_from_an_independent_signer_match(method, digest):
    params = {"Action": "GetReportCount", "SignatureMethod": method, "Timestamp": "2020-06-11"}
    text = "GET\n127.0.0.1:8765\n/Reports/2009-01-01\n" + "&".join(
        f"{k}={v}" for k, v in sorted(params.items())
    )
    params["Signature"] = _independent_signature(digest, text)
    assert signature_matches(SECRET, "GET", "127.0.0.1:8765", "/Reports/2009-01-01", params)
    assert not signature_matches(SECRET, "POST", "127.0.0.1:8765", "/Reports/2009-01-01", params)
    assert not signature_matches("other", "GET", "127.0.0.1:8765", "/Reports/2009-01-01", params)
    assert not signature_matches(SECRET, "GET", "127.0.0.1:8765", "/", params)
