"""The sandbox as a process: the management command, its log, and a report of hundreds of MiB
streamed while the server's memory stays flat."""

from __future__ import annotations

import base64
import hashlib
import signal
import threading
import time

import psutil
import pytest
import requests

from tests.integration.sandbox.conftest import DEVELOPER, SELLER, TOKEN, config
from tests.integration.sandbox.signed_client import Client, text, xml

ORDERS = "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_"
BIG = 300 * 1024 * 1024
# The design's bar for a 1 GiB download on the client side; the server must do at least as well.
MEMORY_GROWTH_LIMIT = 64 * 1024 * 1024


def _client(url: str) -> Client:
    return Client(
        url, DEVELOPER["access_key_id"], DEVELOPER["secret_key"], SELLER, TOKEN, now=time.time
    )


def test_the_command_serves_logs_one_line_per_request_and_stops_on_sigterm(
    start_sandbox_process,
):
    running = start_sandbox_process()
    client = _client(running.url)
    assert client.call("GetReportCount").status_code == 200
    assert client.call("GetReportCount", MWSAuthToken="amzn.mws.wrong").status_code == 401
    fault = {"kind": "internal_error", "count": 1}
    requests.post(running.url + "/_sandbox/faults", json=fault, timeout=5).raise_for_status()
    assert client.call("GetReportCount").status_code == 500
    running.process.send_signal(signal.SIGTERM)
    assert running.process.wait(timeout=10) == 0
    output = running.output()
    assert f"MWS sandbox on {running.url}" in output
    assert '"POST /Reports/2009-01-01" 200 GetReportCount A1TESTSELLER - ' in output
    assert '"POST /Reports/2009-01-01" 401 GetReportCount - AccessDenied ' in output
    assert " 500 GetReportCount A1TESTSELLER InternalError+internal_error " in output
    assert '"POST /_sandbox/faults" 201 ' in output
    # Query strings and form bodies carry the signature and the token: never logged.
    assert "amzn.mws" not in output
    assert "Signature" not in output
    assert output.rstrip().endswith("MWS sandbox stopped")


def test_a_report_of_hundreds_of_mib_streams_with_flat_server_memory(start_sandbox_process):
    raw = config(
        reports={"catalogue_size": 40, "settlement_interval_days": None, "sizes": {ORDERS: BIG}},
        delays={"report_submitted": 0, "report_in_progress": 0},
    )
    running = start_sandbox_process(raw)
    client = _client(running.url)
    request_id = text(xml(client.call("RequestReport", {"ReportType": ORDERS})), "ReportRequestId")
    listed = xml(client.call("GetReportRequestList", {"ReportRequestIdList.Id.1": request_id}))
    report_id = text(listed, "GeneratedReportId")

    server = psutil.Process(running.process.pid)
    baseline = server.memory_info().rss
    peak = baseline
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, server.memory_info().rss)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        response = client.call("GetReport", {"ReportId": report_id}, stream=True)
        assert response.status_code == 200
        digest = hashlib.md5()  # noqa: S324
        size = 0
        for chunk in response.iter_content(chunk_size=1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    finally:
        done.set()
        sampler.join()

    assert size >= BIG
    assert size == int(response.headers["Content-Length"])
    assert base64.b64encode(digest.digest()).decode() == response.headers["Content-MD5"]
    assert peak - baseline < MEMORY_GROWTH_LIMIT, f"server grew by {(peak - baseline) >> 20} MiB"


@pytest.mark.parametrize("value", ["nonsense", "127.0.0.1:99999"])
def test_bad_addresses_are_refused(value):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="--addr"):
        call_command("mws_sandbox", "--addr", value)


def test_a_bad_config_is_refused(tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "broken.json"
    path.write_text('{"developers": []}')
    with pytest.raises(CommandError, match="missing keys sellers"):
        call_command("mws_sandbox", "--config", str(path))
