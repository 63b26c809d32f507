"""Reading configuration from the environment.

Every setting of the portal comes from an environment variable with a safe default, so a fresh
machine runs with no configuration at all. Secrets may also be given as ``NAME_FILE`` pointing at a
file that holds the value (Docker/Kubernetes secrets), which keeps them out of process listings.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


class Env:
    """Typed access to a mapping of environment variables (``os.environ`` by default)."""

    def __init__(self, environ: Mapping[builtins.str, builtins.str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def str(self, name: builtins.str, default: builtins.str = "") -> builtins.str:
        return self.environ.get(name, default)

    def bool(self, name: builtins.str, default: builtins.bool = False) -> builtins.bool:
        raw = self.environ.get(name)
        if raw is None:
            return default
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")

    def int(self, name: builtins.str, default: builtins.int) -> builtins.int:
        raw = self.environ.get(name)
        if raw is None or raw.strip() == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None

    def list(
        self,
        name: builtins.str,
        default: builtins.list[builtins.str] | None = None,
        sep: builtins.str = ",",
    ) -> builtins.list[builtins.str]:
        raw = self.environ.get(name)
        if raw is None:
            return list(default or [])
        return [item.strip() for item in raw.split(sep) if item.strip()]

    def secret(self, name: builtins.str) -> builtins.str:
        """The value of ``name``, or the content of the file named by ``name_FILE``."""
        value = self.environ.get(name, "")
        path = self.environ.get(f"{name}_FILE", "")
        if value and path:
            raise ImproperlyConfigured(f"Set either {name} or {name}_FILE, not both.")
        if path:
            try:
                with open(path, encoding="utf-8") as handle:
                    return handle.read().strip()
            except OSError as exc:
                raise ImproperlyConfigured(
                    f"{name}_FILE points at {path!r}, which cannot be read: {exc.strerror}."
                ) from None
        return value

    def required_secret(self, name: builtins.str, how_to_make: builtins.str) -> builtins.str:
        """A secret that production cannot start without; the error says how to make one."""
        value = self.secret(name)
        if not value:
            raise ImproperlyConfigured(
                f"{name} (or {name}_FILE) must be set when DEBUG is off. {how_to_make}"
            )
        return value
