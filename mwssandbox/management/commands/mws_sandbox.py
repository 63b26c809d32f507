"""``python manage.py mws_sandbox``: run the MWS sandbox until stopped."""

from __future__ import annotations

import dataclasses
import signal
import tempfile
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mwssandbox.config import ConfigError, load_config
from mwssandbox.server import build_server


def _address(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        raise CommandError(f"--addr must look like 127.0.0.1:8765, not {value!r}") from None
    if not 0 <= number <= 65535:
        raise CommandError(f"--addr has an invalid port: {number}")
    return host or "127.0.0.1", number


class Command(BaseCommand):
    help = (
        "Run the MWS sandbox: a local Amazon MWS server (Reports, Feeds and Sellers APIs, "
        "Seller Central authorization pages, fault injection) that the portal talks to in "
        "development and tests. Serves until stopped; one log line per request."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--addr",
            default=settings.SANDBOX_ADDR,
            help="host:port to listen on (default %(default)s, from MWS_SANDBOX_ADDR).",
        )
        parser.add_argument(
            "--config",
            type=Path,
            help="a JSON or TOML sandbox config (default: the bundled default_config.json).",
        )
        parser.add_argument(
            "--time-scale",
            type=float,
            default=1.0,
            help="run throttle restores, hourly windows, processing delays and schedules this "
            "many times faster (default 1).",
        )
        parser.add_argument(
            "--seed", type=int, default=0, help="seed for generated ids, catalogues and reports."
        )
        parser.add_argument(
            "--state-file",
            help="JSON file keeping authorizations made or revoked on the authorization page "
            "across restarts (default: the config's state_file, else "
            "DATA_DIR/sandbox-state.json; an empty value keeps them in memory only).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["time_scale"] <= 0:
            raise CommandError("--time-scale must be positive")
        try:
            config = load_config(options["config"])
        except ConfigError as exc:
            raise CommandError(str(exc)) from None
        state_file = options["state_file"]
        if state_file is not None:
            config = dataclasses.replace(
                config, state_file=Path(state_file) if state_file else None
            )
        elif config.state_file is None:
            config = dataclasses.replace(
                config, state_file=Path(settings.DATA_DIR) / "sandbox-state.json"
            )
        with tempfile.TemporaryDirectory(prefix="mws-sandbox-") as workdir:
            try:
                server = build_server(
                    config,
                    _address(options["addr"]),
                    workdir=Path(workdir),
                    time_scale=options["time_scale"],
                    seed=options["seed"],
                )
            except OSError as exc:
                raise CommandError(f"cannot listen on {options['addr']}: {exc.strerror}") from None

            def stop(_signum: int, _frame: object) -> None:
                # shutdown() waits for serve_forever to return, so it cannot run on its thread.
                threading.Thread(target=server.shutdown, daemon=True).start()

            signal.signal(signal.SIGTERM, stop)
            self.stdout.write(
                f"MWS sandbox on {server.url} (config {config.source or 'inline'}, "
                f"time scale {options['time_scale']:g}, seed {options['seed']}); "
                "authorization page at /gp/mws/registration/register.html"
            )
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass
            finally:
                server.server_close()
            self.stdout.write("MWS sandbox stopped")
