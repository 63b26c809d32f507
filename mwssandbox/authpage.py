"""Seller Central's MWS authorization pages, served by the sandbox itself.

The real flow (developer guide, "Registering to use Amazon MWS"): the seller signs in to Seller
Central, chooses to authorize a developer, enters the developer's name and account number,
accepts the licence, and the last page shows the Seller ID, the marketplace ids and a new MWS
Auth Token to hand to the developer. The seller can later revoke the developer's access, after
which MWS answers that developer's calls with AccessDenied.

The sandbox only serves development, so its sign-in page lists the demo logins of its config
(each with a one-click sign-in) unless the config's ``show_demo_logins`` is off.

Paths: ``/ap/signin``, ``/ap/signout``, ``/gp/mws/registration/register.html`` and
``/gp/mws/permissions.html`` (with ``/gp/mws/permissions/revoke``). Sessions live in memory;
every form carries a per-session token against cross-site posts.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass, field
from html import escape
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs, quote, urlsplit

from mwssandbox.accounts import Accounts
from mwssandbox.config import Seller
from mwssandbox.marketplaces import MARKETPLACES

SIGNIN = "/ap/signin"
SIGNOUT = "/ap/signout"
REGISTER = "/gp/mws/registration/register.html"
PERMISSIONS = "/gp/mws/permissions.html"
REVOKE = "/gp/mws/permissions/revoke"
PREFIXES = ("/ap/", "/gp/mws")
_COOKIE = "session-id"


@dataclass
class Page:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Session:
    seller_id: str
    form_token: str


class AuthPages:
    def __init__(self, accounts: Accounts, *, show_demo_logins: bool = True) -> None:
        self.accounts = accounts
        self.show_demo_logins = show_demo_logins
        self._sessions: dict[str, _Session] = {}
        self._lock = threading.Lock()

    def handle(self, method: str, target: str, cookie_header: str | None, body: bytes) -> Page:
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        session_id, session = self._session(cookie_header)
        if path == SIGNIN:
            if method == "POST":
                return self._sign_in(form)
            return _html(
                _signin_page(_safe_return(query.get("return_to")), "", "", self._demo_logins())
            )
        if path == SIGNOUT and method == "POST":
            if session_id is not None and self._form_ok(session, form):
                with self._lock:
                    self._sessions.pop(session_id, None)
            return _redirect(SIGNIN, expire_cookie=True)
        if path in ("/gp/mws", REGISTER, PERMISSIONS, REVOKE):
            if session is None:
                return _redirect(
                    f"{SIGNIN}?return_to={quote(path if path != '/gp/mws' else REGISTER)}"
                )
            seller = self.accounts.sellers[session.seller_id]
            if path == "/gp/mws":
                return _redirect(REGISTER)
            if path == REGISTER and method == "POST":
                return self._register(seller, session, form)
            if path == REGISTER:
                return _html(_register_page(seller, session.form_token, "", "", ""))
            if path == REVOKE and method == "POST":
                return self._revoke(seller, session, form)
            if path == PERMISSIONS:
                return _html(self._permissions_page(seller, session, query.get("revoked")))
        return _html(_layout("Page not found", "<p>There is no such page.</p>", None), 404)

    def _session(self, cookie_header: str | None) -> tuple[str | None, _Session | None]:
        if not cookie_header:
            return None, None
        cookie = SimpleCookie()
        try:
            cookie.load(cookie_header)
        except CookieError:  # a mangled cookie is simply no session
            return None, None
        morsel = cookie.get(_COOKIE)
        if morsel is None:
            return None, None
        with self._lock:
            return morsel.value, self._sessions.get(morsel.value)

    def _demo_logins(self) -> list[Seller]:
        if not self.show_demo_logins:
            return []
        return [s for s in self.accounts.sellers.values() if s.login is not None]

    @staticmethod
    def _form_ok(session: _Session | None, form: dict[str, str]) -> bool:
        return session is not None and hmac.compare_digest(
            session.form_token.encode(), form.get("form_token", "").encode()
        )

    def _sign_in(self, form: dict[str, str]) -> Page:
        typed = form.get("email", "").strip()
        email = typed.casefold()
        password = form.get("password", "")
        return_to = _safe_return(form.get("return_to"))
        seller = next(
            (
                s
                for s in self.accounts.sellers.values()
                if s.login is not None
                and s.login.email.casefold() == email
                and hmac.compare_digest(s.login.password.encode(), password.encode())
            ),
            None,
        )
        if seller is None:
            return _html(
                _signin_page(
                    return_to,
                    typed,
                    "Your email or password was incorrect. Please try again.",
                    self._demo_logins(),
                ),
                401,
            )
        session_id = secrets.token_urlsafe(24)
        with self._lock:
            self._sessions[session_id] = _Session(seller.seller_id, secrets.token_urlsafe(24))
        page = _redirect(return_to)
        page.headers.append(
            ("Set-Cookie", f"{_COOKIE}={session_id}; Path=/; HttpOnly; SameSite=Lax")
        )
        return page

    def _register(self, seller: Seller, session: _Session, form: dict[str, str]) -> Page:
        name = form.get("developer_name", "").strip()
        number = form.get("developer_id", "").strip()
        if not self._form_ok(session, form):
            return _html(_layout("Session expired", "<p>Please reload the page.</p>", None), 403)
        problem = ""
        developer = self.accounts.find_developer(name, number) if name and number else None
        if not name or not number:
            problem = "Enter the developer's name and the developer account number."
        elif developer is None:
            problem = (
                "The developer name and account number you entered do not match a registered "
                "Amazon MWS developer."
            )
        elif form.get("accept") != "yes":
            problem = "You must accept the Amazon MWS License Agreement to continue."
        if problem or developer is None:
            return _html(_register_page(seller, session.form_token, name, number, problem), 400)
        token = self.accounts.authorize(seller.seller_id, developer)
        return _html(
            _granted_page(
                seller, developer.name, developer.account_number, token, session.form_token
            )
        )

    def _revoke(self, seller: Seller, session: _Session, form: dict[str, str]) -> Page:
        if not self._form_ok(session, form):
            return _html(_layout("Session expired", "<p>Please reload the page.</p>", None), 403)
        account = form.get("account_number", "")
        revoked = self.accounts.revoke(seller.seller_id, account)
        return _redirect(f"{PERMISSIONS}?revoked={quote(account)}" if revoked else PERMISSIONS)

    def _permissions_page(self, seller: Seller, session: _Session, revoked: str | None) -> str:
        rows = []
        for grant in self.accounts.grants(seller.seller_id):
            developer = grant.developer
            rows.append(
                "<tr>"
                f"<td>{escape(developer.name)}</td>"
                f"<td>{escape(developer.account_number)}</td>"
                f"<td>{'Own account' if grant.mws_auth_token is None else 'Authorized'}</td>"
                f'<td><form method="post" action="{REVOKE}">'
                f'<input type="hidden" name="form_token" value="{escape(session.form_token)}">'
                f'<input type="hidden" name="account_number" '
                f'value="{escape(developer.account_number)}">'
                f'<button type="submit" aria-label="Revoke access for {escape(developer.name)}">'
                "Revoke access</button></form></td></tr>"
            )
        notice = ""
        if revoked:
            notice = (
                f'<p class="notice" role="status">Access for developer account '
                f"{escape(revoked)} has been revoked.</p>"
            )
        table = (
            "<table><thead><tr><th>Developer</th><th>Developer account number</th>"
            f"<th>Status</th><th></th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
            if rows
            else "<p>You have not authorized any developer.</p>"
        )
        body = (
            f"{notice}<p>Developers that can access your Amazon seller account with Amazon MWS."
            f"</p>{table}"
            f'<p><a href="{REGISTER}">Authorize a developer</a></p>'
        )
        return _layout("Manage your apps: Amazon MWS", body, session.form_token)


def _safe_return(value: str | None) -> str:
    """Only pages of this flow are valid targets after sign-in (no open redirect)."""
    if value and value.startswith("/gp/mws") and "//" not in value and "\\" not in value:
        return value
    return REGISTER


def _redirect(location: str, *, expire_cookie: bool = False) -> Page:
    headers = [("Location", location)]
    if expire_cookie:
        headers.append(("Set-Cookie", f"{_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"))
    return Page(303, b"", headers)


def _html(text: str, status: int = 200) -> Page:
    return Page(
        status,
        text.encode("utf-8"),
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Cache-Control", "no-store"),
            ("X-Frame-Options", "DENY"),
            (
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
            ),
        ],
    )


_STYLE = """
body{font-family:Arial,Helvetica,sans-serif;margin:0;background:#f3f3f3;color:#111}
header{background:#232f3e;color:#fff;padding:12px 24px;font-size:18px}
header small{color:#febd69;margin-left:8px}
main{max-width:640px;margin:32px auto;background:#fff;border:1px solid #ddd;border-radius:6px;
padding:24px 32px}
label{display:block;font-weight:bold;margin:16px 0 4px}
input[type=text],input[type=email],input[type=password]{width:100%;padding:8px;box-sizing:border-box;
border:1px solid #a6a6a6;border-radius:3px}
button{margin-top:20px;background:#f0c14b;border:1px solid #a88734;border-radius:3px;
padding:8px 18px;cursor:pointer}
.error{color:#c40000;border:1px solid #c40000;padding:8px 12px;border-radius:4px}
.notice{color:#067d62;border:1px solid #067d62;padding:8px 12px;border-radius:4px}
dl dt{font-weight:bold;margin-top:12px}dl dd{margin:4px 0 0;font-family:monospace;font-size:15px}
table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:8px;text-align:left}
.demo{margin-top:32px;border-top:1px solid #ddd;padding-top:8px}
.demo h2{font-size:17px}.demo button{margin:0}.demo small{color:#555}
nav{margin-top:24px;font-size:14px}nav form{display:inline}nav button{margin:0 0 0 12px}
"""


def _layout(title: str, body: str, form_token: str | None) -> str:
    nav = ""
    if form_token is not None:
        nav = (
            f'<nav><a href="{REGISTER}">Authorize a developer</a> · '
            f'<a href="{PERMISSIONS}">Manage your apps</a>'
            f'<form method="post" action="{SIGNOUT}"><input type="hidden" name="form_token" '
            f'value="{escape(form_token)}"><button type="submit">Sign out</button></form></nav>'
        )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        "<header>amazon seller central<small>MWS sandbox</small></header>"
        f"<main><h1>{escape(title)}</h1>{body}{nav}</main></body></html>"
    )


def _signin_page(return_to: str, email: str, error: str, demo: list[Seller]) -> str:
    problem = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = (
        f'{problem}<form method="post" action="{SIGNIN}">'
        f'<input type="hidden" name="return_to" value="{escape(return_to)}">'
        '<label for="email">Email</label>'
        f'<input type="email" id="email" name="email" value="{escape(email)}" '
        'autocomplete="username" required>'
        '<label for="password">Password</label>'
        '<input type="password" id="password" name="password" autocomplete="current-password" '
        "required>"
        '<button type="submit">Sign in</button></form>'
    )
    return _layout("Sign in", body + _demo_logins_panel(return_to, demo), None)


def _demo_logins_panel(return_to: str, sellers: list[Seller]) -> str:
    """The sandbox's demo sellers, each with its login and a button that signs in as it."""
    if not sellers:
        return ""
    rows = "".join(
        "<tr>"
        f"<td>{escape(s.name)}<br><small>{escape(s.region)} · {escape(s.seller_id)}</small></td>"
        f'<td><code class="demo-email">{escape(s.login.email)}</code><br>'
        f'<code class="demo-password">{escape(s.login.password)}</code></td>'
        f'<td><form method="post" action="{SIGNIN}">'
        f'<input type="hidden" name="return_to" value="{escape(return_to)}">'
        f'<input type="hidden" name="email" value="{escape(s.login.email)}">'
        f'<input type="hidden" name="password" value="{escape(s.login.password)}">'
        f'<button type="submit" aria-label="Use the demo login of {escape(s.name)}">Use this '
        "login</button></form></td></tr>"
        for s in sellers
        if s.login is not None
    )
    return (
        '<section class="demo" aria-labelledby="demo-title">'
        '<h2 id="demo-title">Demo logins of this sandbox</h2>'
        "<p>This is the MWS sandbox, not Amazon: sign in as one of its demo sellers. Choose "
        "one in the region you are connecting. The page that follows asks for the developer's "
        "name and account number, which the portal's connect page shows.</p>"
        "<table><thead><tr><th>Seller</th><th>Email and password</th><th></th></tr></thead>"
        f"<tbody>{rows}</tbody></table></section>"
    )


def _register_page(seller: Seller, form_token: str, name: str, number: str, error: str) -> str:
    problem = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = (
        f"{problem}<p>Signed in as <strong>{escape(seller.name)}</strong>. Give a developer "
        "access to your Amazon seller account with Amazon MWS.</p>"
        f'<form method="post" action="{REGISTER}">'
        f'<input type="hidden" name="form_token" value="{escape(form_token)}">'
        '<label for="developer-name">Developer\'s Name</label>'
        f'<input type="text" id="developer-name" name="developer_name" value="{escape(name)}">'
        '<label for="developer-id">Developer Account Number</label>'
        f'<input type="text" id="developer-id" name="developer_id" value="{escape(number)}" '
        'placeholder="1234-5678-9012">'
        '<label><input type="checkbox" name="accept" value="yes"> I have read and accept the '
        "terms of the Amazon MWS License Agreement</label>"
        '<button type="submit">Next</button></form>'
    )
    return _layout("Authorize a developer: Amazon MWS", body, form_token)


def _granted_page(
    seller: Seller, developer: str, account_number: str, token: str, form_token: str
) -> str:
    marketplaces = "".join(
        f"<dd>{escape(m)} ({escape(MARKETPLACES[m].name)})</dd>" for m in seller.marketplaces
    )
    body = (
        f"<p>You have authorized <strong>{escape(developer)}</strong> (developer account "
        f"{escape(account_number)}) to access your Amazon seller account with Amazon MWS. "
        "Give the developer these identifiers:</p>"
        f'<dl><dt>Seller ID</dt><dd id="seller-id">{escape(seller.seller_id)}</dd>'
        f"<dt>Marketplace IDs</dt>{marketplaces}"
        f'<dt>MWS Auth Token</dt><dd id="mws-auth-token">{escape(token)}</dd></dl>'
    )
    return _layout("Congratulations! You can now use Amazon MWS", body, form_token)
