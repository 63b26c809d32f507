from __future__ import annotations

from mwsclient.redaction import MASK, redact

TOKEN = "amzn.mws.4ea38b7b-f563-7709-4bae-87aeaEXAMPLE"
SIGNATURE = "ICdIBNTI7rjj74ehosssIDINkT8SSacn7J62R0afY4Q%3D"


def test_submit_feed_url() -> None:
    url = (
        "https://mws.amazonservices.com/Feeds/2009-01-01?AWSAccessKeyId=AKIAEXAMPLEKEY1234"
        f"&Action=SubmitFeed&MWSAuthToken={TOKEN}&Merchant=A1SELLER"
        f"&SignatureMethod=HmacSHA256&SignatureVersion=2&Signature={SIGNATURE}"
    )
    masked = redact(url)
    assert TOKEN not in masked
    assert SIGNATURE not in masked
    assert "AKIAEXAMPLEKEY1234" not in masked
    assert "AWSAccessKeyId=***1234" in masked
    assert f"MWSAuthToken={MASK}" in masked
    assert f"Signature={MASK}" in masked
    # Neighbours that merely start the same way are kept.
    assert "SignatureMethod=HmacSHA256&SignatureVersion=2" in masked
    assert "Merchant=A1SELLER" in masked


def test_percent_encoded_pairs_inside_another_url() -> None:
    text = f"next=https%3A%2F%2Fh%2F%3FSignature%3D{SIGNATURE}%26Action%3DX"
    assert SIGNATURE not in redact(text)


def test_parameter_and_header_mappings() -> None:
    masked = redact(
        {
            "Signature": "abc",
            "MWSAuthToken": TOKEN,
            "AWSAccessKeyId": "AKIAEXAMPLEKEY1234",
            "secret_key": "s3cr3t",
            "headers": {"Authorization": "Bearer x", "X-Api-Key": "k", "Accept": "text/xml"},
            "FeedType": "_POST_PRODUCT_DATA_",
            "urls": [f"https://h/?Signature={SIGNATURE}"],
        }
    )
    assert masked["Signature"] == MASK
    assert masked["MWSAuthToken"] == MASK
    assert masked["AWSAccessKeyId"] == "***1234"
    assert masked["secret_key"] == MASK
    assert masked["headers"] == {"Authorization": MASK, "X-Api-Key": MASK, "Accept": "text/xml"}
    assert masked["FeedType"] == "_POST_PRODUCT_DATA_"
    assert masked["urls"] == [f"https://h/?Signature={MASK}"]


def test_free_text_json_and_stray_tokens() -> None:
    text = (
        f'{{"MWSAuthToken": "{TOKEN}", "SecretKey": "abc+/="}} seller pasted {TOKEN} in a note; '
        "password=hunter2 ok"
    )
    masked = redact(text)
    assert TOKEN not in masked
    assert "abc+/=" not in masked
    assert "hunter2" not in masked
    assert masked.endswith(" ok")


def test_url_user_info() -> None:
    assert (
        redact("https://user:pa55@proxy.example:3128/")
        == f"https://user:{MASK}@proxy.example:3128/"
    )


def test_bytes_and_other_types() -> None:
    assert redact(f"Signature={SIGNATURE}".encode()) == f"Signature={MASK}".encode()
    assert redact(42) == 42
    assert redact(("a", f"MWSAuthToken={TOKEN}")) == ("a", f"MWSAuthToken={MASK}")
