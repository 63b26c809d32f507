"""Every code the sandbox can answer with is one the portal's client knows the family of.

This test may import both sides; the packages themselves never import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mwssandbox
from mwsclient.errors import MWSError as ClientError
from mwsclient.errors import error_class_for, known_codes
from mwssandbox.errors import CODES, MWSError

PACKAGE = Path(mwssandbox.__file__).parent


def _codes_in_source() -> set[str]:
    """First string arguments of every MWSError(...) / _error(...) call and every
    ``invalid_code=`` keyword in the sandbox's modules."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name in ("MWSError", "_error") and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.add(first.value)
            for keyword in node.keywords:
                if keyword.arg == "invalid_code" and isinstance(keyword.value, ast.Constant):
                    found.add(keyword.value.value)
    return found


def test_every_code_written_in_the_sandbox_is_registered():
    written = _codes_in_source()
    assert "InvalidAction" in written
    assert written <= CODES, sorted(written - CODES)


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_sandbox_code_has_a_client_family(code):
    assert code in known_codes()
    assert error_class_for(code, 400) is not ClientError


def test_an_unregistered_code_cannot_be_raised():
    with pytest.raises(ValueError, match="NoSuchCode"):
        MWSError("NoSuchCode", "anything")
