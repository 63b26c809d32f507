"""The four User-Agent errors."""

from __future__ import annotations

import pytest

from mwssandbox.errors import MWSError
from mwssandbox.useragent import check_user_agent


@pytest.mark.parametrize(
    "value",
    [
        "MyAppName/build123 (Language=Java/1.2)",
        "My Desktop Seller Tool/2.0 (Language=Java/1.6.0.11; Platform=Windows/XP)",
        "MyCompanyName/build1611 (Language=Perl; Host=jane.laptop.example.com)",
        r"App\/Name/1.0 (Language=Python; Note=a\;b\)c)",
        "python-amazon-mws/0.8.15 (Language=Python)",
    ],
)
def test_well_formed_user_agents_pass(value):
    check_user_agent(value)


def _code(value):
    with pytest.raises(MWSError) as caught:
        check_user_agent(value)
    return caught.value


def test_missing_header():
    assert _code(None).code == "UserAgentHeaderMissing"
    assert _code("  ").code == "UserAgentHeaderMissing"


def test_over_500_characters():
    error = _code("App/1.0 (Language=Python; Pad=" + "x" * 480 + ")")
    assert error.code == "UserAgentHeaderMaximumLengthExceeded"


@pytest.mark.parametrize(
    ("value", "detail"),
    [
        ("python-requests/2.34.2", 'Encountered "<EOF>" at column 23. Was expecting: "("'),
        ("Mozilla/5.0 (X11; Linux x86_64)", 'Encountered ";" at column 17. Was expecting: "="'),
        ("App/1.0 (Language=Python", 'Encountered "<EOF>" at column 25. Was expecting: ")"'),
        ("App/1.0 (Language=Python) extra", 'Encountered "e" at column 27. Was expecting: "<EOF>"'),
        ("NoSlash (Language=Python)", 'Encountered "<EOF>" at column 26. Was expecting: "/"'),
    ],
)
def test_malformed_headers_name_the_column(value, detail):
    error = _code(value)
    assert error.code == "UserAgentHeaderMalformed"
    assert error.message == (
        'Problem with required MWS User-Agent header (e.g. "MyAppName/build123 '
        f'(Language=Java/1.2)"): {detail}'
    )
    assert error.request_id_element == "RequestID"


def test_language_attribute_is_required():
    assert _code("App/1.0 (Platform=Linux)").code == "UserAgentHeaderLanguageAttributeMissing"
    assert _code("App/1.0 (Language=)").code == "UserAgentHeaderLanguageAttributeMissing"
