"""PORTAL_URL and NOTIFICATION_DIGEST_HOUR: a value that cannot work stops the start with a
message naming the variable."""

from __future__ import annotations

import pytest

from tests.unit.portal.test_settings import load_settings


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"PORTAL_URL": "portal.example.com"}, "PORTAL_URL must start with http:// or https://"),
        ({"NOTIFICATION_DIGEST_HOUR": "24"}, "NOTIFICATION_DIGEST_HOUR must be an hour from 0"),
        ({"NOTIFICATION_DIGEST_HOUR": "-1"}, "NOTIFICATION_DIGEST_HOUR must be an hour from 0"),
    ],
)
def test_a_value_that_cannot_work_is_refused_by_name(tmp_path, environ, message):
    result = load_settings(environ, tmp_path)
    assert result.returncode != 0
    assert message in result.stderr


def test_good_values_start(tmp_path):
    result = load_settings(
        {"PORTAL_URL": "https://portal.example.com/", "NOTIFICATION_DIGEST_HOUR": "0"}, tmp_path
    )
    assert result.returncode == 0, result.stderr
