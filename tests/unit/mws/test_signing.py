"""Signature Version 2: the guide's example, RFC 3986 edge cases, HMAC known answers, and an
independent implementation (python-amazon-mws) as an oracle for arbitrary input."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mws.future_utils.params import clean_params_dict
from mws.mws import calc_request_description

from mwsclient.signing import (
    Signer,
    canonical_query,
    encode_path,
    percent_encode,
    sign,
    string_to_sign,
)

# The developer guide's GetFeedSubmissionResult example ("Creating the Canonicalized Query
# String"), including its "ATVPDKIKXODER" with a letter O.
GUIDE_PARAMS = {
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
}
GUIDE_STRING_TO_SIGN = (
    "POST\n"
    "mws.amazonservices.com\n"
    "/\n"
    "AWSAccessKeyId=AKIAFJPPO5KLY6G4XO7Q&Action=GetFeedSubmissionResult&FeedSubm"
    "issionId=4321011681&MWSAuthToken=amzn.mws.4ea38b7b-f563-7709-4bae-87aeaEXAM"
    "PLE&Marketplace=ATVPDKIKXODER&SellerId=A3F1LGRLCQDI4D&SignatureMethod=HmacS"
    "HA256&SignatureVersion=2&Timestamp=2011-02-04T23%3A08%3A19Z&Version=2009-01"
    "-01"
)


def test_guide_string_to_sign_example() -> None:
    assert string_to_sign("POST", "mws.amazonservices.com", "/", GUIDE_PARAMS) == (
        GUIDE_STRING_TO_SIGN
    )


def test_signature_parameter_is_not_signed() -> None:
    with_signature = {**GUIDE_PARAMS, "Signature": "abc="}
    assert string_to_sign("POST", "mws.amazonservices.com", "/", with_signature) == (
        GUIDE_STRING_TO_SIGN
    )


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        ("a b", "a%20b"),
        ("a+b", "a%2Bb"),
        ("~", "~"),
        ("*", "%2A"),
        ("/", "%2F"),
        ("=", "%3D"),
        ("&", "%26"),
        ("-_.", "-_."),
        ("AZaz09", "AZaz09"),
        ("é", "%C3%A9"),
        ("日本", "%E6%97%A5%E6%9C%AC"),
        ("😀", "%F0%9F%98%80"),
        (":", "%3A"),
        ("%", "%25"),
        ("\n", "%0A"),
        ("", ""),
    ],
)
def test_percent_encoding(raw: str, encoded: str) -> None:
    assert percent_encode(raw) == encoded


def test_hex_digits_are_upper_case() -> None:
    assert percent_encode("\xff") == "%C3%BF"
    assert percent_encode("ÿ").upper() == percent_encode("ÿ")


def test_empty_value_keeps_its_equals_sign() -> None:
    assert canonical_query({"B": "", "A": "x"}) == "A=x&B="


def test_list_indices_sort_as_bytes_not_numbers() -> None:
    params = {f"MarketplaceIdList.Id.{n}": f"M{n}" for n in (1, 2, 10)}
    assert canonical_query(params) == (
        "MarketplaceIdList.Id.1=M1&MarketplaceIdList.Id.10=M10&MarketplaceIdList.Id.2=M2"
    )


def test_upper_case_sorts_before_lower_case() -> None:
    assert canonical_query({"a": "1", "B": "2", "MWSAuthToken": "t", "Marketplace": "m"}) == (
        "B=2&MWSAuthToken=t&Marketplace=m&a=1"
    )


def test_names_are_encoded_too() -> None:
    assert canonical_query({"a b": "c d"}) == "a%20b=c%20d"


def test_host_is_lower_cased_and_keeps_a_port() -> None:
    text = string_to_sign("post", "LocalHost:8765", "/Feeds/2009-01-01", {"A": "1"})
    assert text == "POST\nlocalhost:8765\n/Feeds/2009-01-01\nA=1"


def test_empty_path_signs_as_slash() -> None:
    assert string_to_sign("POST", "h", "", {}).split("\n")[2] == "/"
    assert encode_path("/Sellers/2011-07-01") == "/Sellers/2011-07-01"
    assert encode_path("/a b/c") == "/a%20b/c"


# RFC 4231 and RFC 2202 test case 2 (key "Jefe"), as base64.
RFC_DATA = "what do ya want for nothing?"


def test_hmac_sha256_known_answer() -> None:
    assert sign(RFC_DATA, "Jefe") == "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="
    assert sign(RFC_DATA, "Jefe", "HmacSHA256") == Signer("Jefe").sign(RFC_DATA)


def test_hmac_sha1_known_answer() -> None:
    assert sign(RFC_DATA, "Jefe", "HmacSHA1") == "7/zfauXrL6LSdBbV8YTfnCWafHk="
    assert Signer("Jefe", "HmacSHA1").sign(RFC_DATA) == "7/zfauXrL6LSdBbV8YTfnCWafHk="


def test_unknown_algorithm_is_refused() -> None:
    with pytest.raises(ValueError, match="HmacMD5"):
        sign("x", "k", "HmacMD5")


def test_signer_repr_hides_the_key() -> None:
    assert "secret" not in repr(Signer("secret-key-value"))


def test_guide_example_signature_matches_a_plain_hmac() -> None:
    expected = base64.b64encode(
        hmac.new(b"secret", GUIDE_STRING_TO_SIGN.encode(), hashlib.sha256).digest()
    ).decode()
    assert sign(GUIDE_STRING_TO_SIGN, "secret") == expected


# MWS parameter names are ASCII words with dots and list indices; python-amazon-mws does not
# encode names, so the comparison stays within names that need no encoding.
_names = st.from_regex(r"[A-Za-z0-9._~-]{1,16}", fullmatch=True)
_values = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_names, _values, max_size=12))
def test_canonical_query_agrees_with_python_amazon_mws(params: dict[str, str]) -> None:
    """python-amazon-mws encodes with urllib's quote and sorts with sorted(): an independent
    implementation of the same rules."""
    assert canonical_query(params) == calc_request_description(clean_params_dict(params))
