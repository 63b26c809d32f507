"""Webhooks against a hostile partner: URLs that point inside the network (checked at
registration and again at every delivery, and sent to the address that was checked, with TLS
still checking the host name), and endpoints that never answer (their own queue and worker,
short timeouts, a limit per partner, one delivery at a time per endpoint, disabled after
failing for long). No test resolves a name through DNS: ``fake_dns`` answers."""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from mwsportal.celery import app as celery_app
from mwsportal.management.commands import run_portal
from partners import services as partner_services
from partners import webhooks
from partners.models import Partner, WebhookDelivery, WebhookEndpoint
from sellers import services
from tests.factories import SellerFactory

EVENT = "seller.needs_reauthorization"


@pytest.fixture
def partner(db) -> Partner:
    return Partner.objects.create(name="Hostile Integrations", contact_email="ops@partner.test")


@pytest.fixture
def api(partner) -> APIClient:
    _, key = partner_services.create_api_key(partner, name="ci")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


@pytest.fixture
def seller(owner, partner):
    seller = SellerFactory(owner=owner)
    partner_services.grant_partner(seller, partner, scopes=["read_reports"])
    return seller


@dataclass
class Receiver:
    """A partner's server on loopback that records what reached it."""

    server: ThreadingHTTPServer
    hosts: list[str] = field(default_factory=list)
    server_names: list[str | None] = field(default_factory=list)

    @property
    def port(self) -> int:
        return self.server.server_address[1]


def _start(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


def _receiver(context: ssl.SSLContext | None = None) -> Receiver:
    received: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            received.hosts.append(self.headers["Host"])
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    received = Receiver(server)
    if context is not None:
        context.sni_callback = lambda sock, name, ctx: received.server_names.append(name)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    return received


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    received = _receiver()
    _start(received.server)
    yield received
    received.server.shutdown()
    received.server.server_close()


def _register(api: APIClient, url: str):
    return api.post("/api/v1/webhooks/", {"url": url, "events": [EVENT]}, format="json")


# ---- URLs that point inside ---------------------------------------------------------------------

INTERNAL_URLS = [
    "https://127.0.0.1/hook",
    "https://127.1.2.3:8443/hook",
    "https://localhost/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.5/hook",
    "https://172.16.3.4/hook",
    "https://192.168.1.1/hook",
    "https://100.64.0.1/hook",
    "https://0.0.0.0/hook",
    "https://[::1]/hook",
    "https://[::]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[::ffff:169.254.169.254]/hook",
    "https://[fe80::1]/hook",
    "https://[fd00::1]/hook",
    "https://224.0.0.1/hook",
    "https://[ff02::1]/hook",
    "https://240.0.0.1/hook",
    "https://255.255.255.255/hook",
    "https://internal.example.com/hook",
    "https://mixed.example.com/hook",
]


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_urls_pointing_inside_are_refused_at_registration(api, settings, fake_dns, url):
    settings.DEBUG = False
    fake_dns["internal.example.com"] = ["10.20.30.40"]
    # One public and one internal address: a later lookup could return either.
    fake_dns["mixed.example.com"] = ["93.184.215.14", "127.0.0.1"]
    response = _register(api, url)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["field"] == "url"
    assert "public address" in error["message"]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url", ["https://user:secret@hooks.example.com/hook", "https://user@hooks.example.com/hook"]
)
def test_urls_with_credentials_are_refused(api, url):
    response = _register(api, url)
    assert response.status_code == 400
    assert "user name or password" in response.json()["error"]["message"]
    assert "secret" not in response.content.decode()


@pytest.mark.parametrize(
    "url", ["https://hooks.example.com:0/x", "https://hooks.example.com:99999/x"]
)
def test_a_port_out_of_range_is_refused(url):
    with pytest.raises(webhooks.EndpointRefused, match="port"):
        webhooks.check_url(url)


def test_a_name_that_does_not_resolve_is_refused(api):
    response = _register(api, "https://nowhere.example.com/hook")
    assert response.status_code == 400
    assert "could not be resolved" in response.json()["error"]["message"]


def test_loopback_is_allowed_in_development_only_and_private_never(api, settings):
    settings.DEBUG = True
    assert _register(api, "http://127.0.0.1:8000/hook").status_code == 201
    assert _register(api, "https://[::1]:8443/hook").status_code == 201
    assert _register(api, "https://10.0.0.5/hook").status_code == 400
    assert _register(api, "http://hooks.example.com/hook").status_code == 400
    settings.DEBUG = False
    assert _register(api, "http://127.0.0.1:8000/hook").status_code == 400
    assert _register(api, "https://hooks.example.com/hook").status_code == 201


def test_a_name_that_resolves_inside_at_delivery_is_not_contacted(
    api, seller, settings, fake_dns, receiver
):
    settings.DEBUG = False
    fake_dns["rebind.example.com"] = ["93.184.215.14"]
    assert _register(api, f"https://rebind.example.com:{receiver.port}/hook").status_code == 201
    # DNS now answers with the loopback address the receiver listens on.
    fake_dns["rebind.example.com"] = ["127.0.0.1"]
    services.mark_needs_reauthorization(seller, reason="AccessDenied")
    delivery = webhooks.deliver(webhooks.dispatch_due()[0])
    assert receiver.hosts == []
    assert delivery.state == "pending"
    assert delivery.last_status is None
    assert "loopback" in delivery.last_error


def test_the_post_goes_to_the_address_that_was_checked(api, seller, settings, fake_dns, receiver):
    # The system resolver does not know this name: the delivery can only arrive through the
    # checked address, with the URL's host in the Host header.
    settings.DEBUG = True
    fake_dns["pinned.example.com"] = ["127.0.0.1"]
    url = f"http://pinned.example.com:{receiver.port}/hook"
    assert _register(api, url).status_code == 201
    services.mark_needs_reauthorization(seller, reason="AccessDenied")
    delivery = webhooks.deliver(webhooks.dispatch_due()[0])
    assert delivery.state == "delivered", delivery.last_error
    assert receiver.hosts == [f"pinned.example.com:{receiver.port}"]


def _certificate_for(name: str, folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch) -> Iterator[Receiver]:
    """An HTTPS receiver on loopback whose certificate names hooks.example.com only, trusted
    as the only CA."""
    cert_path, key_path = _certificate_for("hooks.example.com", tmp_path)
    monkeypatch.setattr(requests.adapters, "DEFAULT_CA_BUNDLE_PATH", str(cert_path))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    received = _receiver(context)
    _start(received.server)
    yield received
    received.server.shutdown()
    received.server.server_close()


@pytest.mark.parametrize(
    ("name", "delivered"), [("hooks.example.com", True), ("other.example.com", False)]
)
def test_tls_checks_the_certificate_for_the_name_not_the_address(
    api, seller, settings, fake_dns, tls_receiver, name, delivered
):
    settings.DEBUG = True  # the receiver is on loopback
    fake_dns[name] = ["127.0.0.1"]
    assert _register(api, f"https://{name}:{tls_receiver.port}/hook").status_code == 201
    services.mark_needs_reauthorization(seller, reason="AccessDenied")
    delivery = webhooks.deliver(webhooks.dispatch_due()[0])
    assert tls_receiver.server_names == [name]  # SNI names the host, not 127.0.0.1
    if delivered:
        assert delivery.state == "delivered", delivery.last_error
        assert tls_receiver.hosts == [f"{name}:{tls_receiver.port}"]
    else:
        assert (delivery.state, delivery.last_error) == ("pending", "SSLError")
        assert tls_receiver.hosts == []


# ---- endpoints that never answer ----------------------------------------------------------------


def test_webhook_deliveries_have_a_queue_of_their_own():
    celery_app.loader.import_default_modules()  # every app's tasks, not only those imported
    router = celery_app.amqp.router
    assert router.route({}, "webhooks.deliver")["queue"].name == django_settings.WEBHOOK_QUEUE
    # Reading reports into rows has its own queue too; everything else shares the default.
    assert router.route({}, "reports.ingest_report")["queue"].name == "ingest"
    others = [
        name
        for name in celery_app.tasks
        if not name.startswith(("celery.", "webhooks.deliver", "reports.ingest_report"))
    ]
    assert "gateway.dispatch" in others
    for name in others:
        assert router.route({}, name)["queue"].name == django_settings.CELERY_TASK_DEFAULT_QUEUE


def _queues(argv: list[str]) -> str:
    return argv[argv.index("--queues") + 1]


def test_make_run_starts_a_webhook_worker_beside_the_worker_of_mws_calls():
    assert _queues(run_portal.worker_argv()) == "celery"
    assert "--beat" in run_portal.worker_argv()
    assert _queues(run_portal.webhook_worker_argv()) == "webhooks"


def test_a_partner_may_register_a_limited_number_of_endpoints(api, settings):
    settings.WEBHOOK_ENDPOINTS_PER_PARTNER = 3
    for n in range(3):
        assert _register(api, f"https://hooks.example.com/{n}").status_code == 201
    response = _register(api, "https://hooks.example.com/3")
    assert response.status_code == 400
    assert "at most 3" in response.json()["error"]["message"]
    assert WebhookEndpoint.objects.count() == 3


def test_one_delivery_at_a_time_per_endpoint(api, seller):
    assert _register(api, "https://a.example.com/").status_code == 201
    assert _register(api, "https://b.example.com/").status_code == 201
    for _ in range(5):
        webhooks.emit(seller, EVENT, {"reason": "AccessDenied"})
    assert WebhookDelivery.objects.count() == 10
    first = webhooks.dispatch_due()
    assert len(first) == 2
    assert {WebhookDelivery.objects.get(pk=pk).endpoint_id for pk in first} == set(
        WebhookEndpoint.objects.values_list("pk", flat=True)
    )
    # Both endpoints have one in a worker's hands: a second tick hands out nothing.
    assert webhooks.dispatch_due() == []


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts connections and never answers, like the partner server of the attack."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.listen(64)
    yield listener.getsockname()[1]
    listener.close()


def test_an_endpoint_that_never_answers_frees_its_worker_and_lets_the_next_one_go(
    api, seller, settings, silent_server, monkeypatch
):
    settings.DEBUG = True
    monkeypatch.setattr(webhooks, "READ_TIMEOUT_SECONDS", 0.2)
    assert _register(api, f"http://127.0.0.1:{silent_server}/hook").status_code == 201
    webhooks.emit(seller, EVENT, {"reason": "AccessDenied"})
    webhooks.emit(seller, EVENT, {"reason": "AccessDenied"})
    (due,) = webhooks.dispatch_due()
    delivery = webhooks.deliver(due)
    assert (delivery.state, delivery.last_error) == ("pending", "ReadTimeout")
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.busy_until is None
    assert endpoint.failing_since is not None
    (second,) = webhooks.dispatch_due()
    assert second != due


def test_short_timeouts_bound_how_long_a_delivery_holds_a_worker():
    assert webhooks.CONNECT_TIMEOUT_SECONDS + webhooks.READ_TIMEOUT_SECONDS <= 10
    assert webhooks.CONNECT_TIMEOUT_SECONDS <= 3


def test_an_endpoint_failing_for_two_days_is_disabled_and_the_partner_told(
    api, seller, settings, partner
):
    settings.DEBUG = True
    # Port 9 (discard) on loopback: nothing listens, every attempt fails at once.
    created = _register(api, "http://127.0.0.1:9/hook").json()
    WebhookEndpoint.objects.update(failing_since=timezone.now() - timedelta(days=1))
    services.mark_needs_reauthorization(seller, reason="AccessDenied")
    webhooks.deliver(webhooks.dispatch_due()[0])
    assert WebhookEndpoint.objects.get().is_active  # failing for a day only
    WebhookEndpoint.objects.update(failing_since=timezone.now() - timedelta(days=2, seconds=1))
    webhooks.emit(seller, EVENT, {"reason": "AccessDenied"})
    later = timezone.now() + timedelta(hours=1)
    webhooks.deliver(webhooks.dispatch_due(now=later)[0])

    endpoint = WebhookEndpoint.objects.get()
    assert not endpoint.is_active
    assert "failed for two days" in endpoint.disabled_reason
    assert not WebhookDelivery.objects.filter(state="pending").exists()
    assert webhooks.emit(seller, EVENT, {"reason": "AccessDenied"}) == 0
    (notice,) = mail.outbox
    assert notice.to == [partner.contact_email]
    assert "http://127.0.0.1:9/hook" in notice.body
    shown = api.get(f"/api/v1/webhooks/{created['id']}/").json()
    assert shown["is_active"] is False
    assert shown["disabled_reason"] == endpoint.disabled_reason


def test_a_delivery_accepted_again_ends_the_failing_period(api, seller, settings, receiver):
    settings.DEBUG = True
    assert _register(api, f"http://127.0.0.1:{receiver.port}/hook").status_code == 201
    WebhookEndpoint.objects.update(failing_since=timezone.now() - timedelta(days=1))
    services.mark_needs_reauthorization(seller, reason="AccessDenied")
    assert webhooks.deliver(webhooks.dispatch_due()[0]).state == "delivered"
    assert WebhookEndpoint.objects.get().failing_since is None


def test_staff_enabling_a_disabled_endpoint_starts_it_afresh(partner, admin_client):
    endpoint, _ = webhooks.register_endpoint(
        partner, url="https://hooks.example.com/x", events=[EVENT]
    )
    WebhookEndpoint.objects.update(failing_since=timezone.now() - timedelta(days=3))
    webhooks.disable_endpoint(endpoint, reason="Every delivery failed for two days (last: x).")
    response = admin_client.post(
        f"/admin/partners/webhookendpoint/{endpoint.pk}/change/", {"is_active": "on"}
    )
    assert response.status_code == 302, response.content
    endpoint.refresh_from_db()
    assert endpoint.is_active
    assert (endpoint.failing_since, endpoint.disabled_at, endpoint.disabled_reason) == (
        None,
        None,
        "",
    )
