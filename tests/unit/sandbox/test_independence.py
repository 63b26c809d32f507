"""The sandbox verifies on its own: no module of it imports the MWS client or Django.

Only the management command (and the app config) may use Django; nothing may use
``mwsclient``, or a mistake in the client could be mirrored by the server.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mwssandbox

PACKAGE = Path(mwssandbox.__file__).parent
CORE = sorted(
    path
    for path in PACKAGE.rglob("*.py")
    if "management" not in path.parts and path.name != "apps.py"
)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", CORE, ids=lambda path: path.name)
def test_core_module_imports_neither_the_client_nor_django(path):
    forbidden = {
        name
        for name in _imports(path)
        if name == "django" or name.startswith(("django.", "mwsclient"))
    }
    assert not forbidden, f"{path.name} imports {sorted(forbidden)}"


def test_the_command_does_not_import_the_client_either():
    command = PACKAGE / "management" / "commands" / "mws_sandbox.py"
    assert not {name for name in _imports(command) if name.startswith("mwsclient")}
    assert len(CORE) > 10
