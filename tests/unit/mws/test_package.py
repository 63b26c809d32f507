"""The client is plain Python: other processes (workers, scripts, benchmarks) and the
independent sandbox rely on it importing neither Django nor the sandbox."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import mwsclient

PACKAGE = Path(mwsclient.__file__).parent
FORBIDDEN = ("django", "rest_framework", "celery", "mwssandbox")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_module_imports_django_or_the_sandbox() -> None:
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) > 5
    for module in modules:
        for name in _imports(module):
            assert not name.startswith(FORBIDDEN), f"{module.name} imports {name}"


def test_package_loads_where_django_cannot() -> None:
    """Import every module in a fresh interpreter where importing Django fails, without
    running mwsportal/__init__.py (which configures Celery for the Django project)."""
    script = f"""
import sys, types
sys.modules["django"] = None
parent = types.ModuleType("mwsportal")
parent.__path__ = [{str(PACKAGE.parent)!r}]
sys.modules["mwsportal"] = parent
import mwsclient.client, mwsclient.operations, mwsclient.endpoints
loaded = {{name.split(".")[0] for name, module in sys.modules.items() if module is not None}}
print("django" in loaded, "celery" in loaded)
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]
