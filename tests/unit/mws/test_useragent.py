from __future__ import annotations

import platform

import pytest

from mwsclient.errors import InvalidParameterError
from mwsclient.useragent import MAX_LENGTH, build_user_agent


def test_guide_format() -> None:
    header = build_user_agent("MWS Portal", "2.0")
    assert header == (
        f"MWS Portal/2.0 (Language=Python/{platform.python_version()}; "
        f"Platform={platform.system()}/{platform.release()})"
    )


def test_escaping_rules() -> None:
    header = build_user_agent(
        "Seller/Tool\\X", "1.0 (beta", {"Host": "worker;3 (eu)", "Note": "a\\b"}
    )
    assert header.startswith("Seller\\/Tool\\\\X/1.0 \\(beta (Language=Python/")
    assert "; Host=worker\\;3 (eu\\)" in header
    assert header.endswith("; Note=a\\\\b)")


def test_whitespace_and_line_breaks_collapse() -> None:
    header = build_user_agent("My\r\n  App", "1\t2")
    assert header.startswith("My App/1 2 (")
    assert "\n" not in header


def test_length_limit_is_enforced_when_built() -> None:
    with pytest.raises(InvalidParameterError, match=str(MAX_LENGTH)):
        build_user_agent("A" * 490, "1.0")
    assert len(build_user_agent("A" * 100, "1.0")) <= MAX_LENGTH


def test_name_and_version_are_required() -> None:
    with pytest.raises(InvalidParameterError, match="app_name"):
        build_user_agent(" ", "1")
    with pytest.raises(InvalidParameterError, match="app_version"):
        build_user_agent("App", "")


@pytest.mark.parametrize("name", ["Host=Name", "Host;Name", "Host)"])
def test_attribute_names_that_would_break_the_header_are_refused(name: str) -> None:
    with pytest.raises(InvalidParameterError, match="attribute name cannot contain") as caught:
        build_user_agent("App", "1.0", {name: "x"})
    assert caught.value.parameter == f"User-Agent attribute {name!r}"


@pytest.mark.parametrize(
    ("app_name", "app_version", "attributes", "part"),
    [
        ("Портал", "1.0", {}, "app_name"),
        ("App", "1.0-β", {}, "app_version"),
        ("App", "1.0", {"Host": "東京"}, "User-Agent attribute 'Host' value"),
    ],
)
def test_characters_a_header_cannot_carry_are_refused(
    app_name: str, app_version: str, attributes: dict[str, str], part: str
) -> None:
    with pytest.raises(InvalidParameterError, match="is not Latin-1") as caught:
        build_user_agent(app_name, app_version, attributes)
    assert caught.value.parameter == part


def test_latin_1_accents_are_sent() -> None:
    header = build_user_agent("Café Tool", "1.0")
    assert header.startswith("Café Tool/1.0 (")
    header.encode("latin-1")
