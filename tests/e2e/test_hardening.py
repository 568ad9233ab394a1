"""Hardening, driven from outside: tabs left open after a transfer, uploads and bodies from
anonymous callers, against the real app."""

from __future__ import annotations

import contextlib
import re
import select
import socket
import uuid

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, ContextFactory, RunningApp, log_in
from tests.e2e.test_queue import ended_others, go, staff_page, walk_in

expect.set_options(timeout=15_000)


def screenshots(page: Page, name: str) -> None:
    """The page as people see it, on a desktop and on a 390 px phone (test-artifacts/)."""
    ARTIFACTS.mkdir(exist_ok=True)
    size = page.viewport_size or {"width": 1280, "height": 800}
    page.screenshot(path=ARTIFACTS / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=ARTIFACTS / f"{name}-phone.png", full_page=True)
    page.set_viewport_size(size)


HANDED_ON = "This call is now with a colleague; you can no longer act on it."


def staff_id(app: RunningApp, email: str) -> str:
    return app.python(
        "from sqlalchemy import select\nfrom showroom.db import session_scope\n"
        "from showroom.models import StaffMember\nwith session_scope() as s: "
        f"print(s.scalar(select(StaffMember.id).where(StaffMember.email == {email!r})))"
    )


def call_facts(app: RunningApp, call_id: int, aiko_id: str) -> str:
    """The call's status, and how many messages (cards included) Aiko stored in it."""
    return app.python(
        "from sqlalchemy import select, func\nfrom showroom.db import session_scope\n"
        "from consult.models import ChatMessage, Consultation\n"
        "with session_scope() as s:\n"
        f"    call = s.get(Consultation, {call_id})\n"
        "    sent = s.scalar(select(func.count()).select_from(ChatMessage).where(\n"
        f"        ChatMessage.consultation_id == {call_id}, ChatMessage.staff_id == {aiko_id}))\n"
        "    print(call.status, sent)"
    )


def open_tab(page: Page, url: str) -> Page:
    tab = page.context.new_page()
    tab.set_default_timeout(45_000)
    tab.goto(url)
    expect(tab.locator("#end-call")).to_be_visible()
    return tab


def test_tabs_left_open_after_a_transfer_cannot_act_on_the_call(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    ended_others(app)
    call_id, token = walk_in(app, "Goro")
    customer = browser_context().pages[0]
    customer.goto(f"{app.url}/call/{token}")
    expect(customer.locator("#call-waiting")).to_be_visible()
    aiko = staff_page(browser_context, app, "aiko@showroom.example")
    mia = staff_page(browser_context, app, "mia@showroom.example")
    go(mia, "Available")
    expect(mia.get_by_text("You receive walk-in calls")).to_be_visible()
    aiko.locator(f"[data-call='{call_id}']").click()
    call_url = f"{app.url}/staff/call/{call_id}"
    aiko.wait_for_url(re.compile(rf".*/staff/call/{call_id}/?$"))
    # Aiko has the call open in three more tabs, as people do.
    cards_tab, end_tab, chat_tab = (open_tab(aiko, call_url) for _ in range(3))

    aiko.locator("#transfer-to").select_option(value=staff_id(app, "mia@showroom.example"))
    aiko.locator("#transfer").click()
    aiko.wait_for_url(re.compile(r".*/staff/?$"))

    cards_tab.locator(".push-card").first.click()
    expect(cards_tab.get_by_role("alert")).to_have_text(HANDED_ON)
    screenshots(cards_tab, "handed-on-en")
    end_tab.locator("#end-call").click()
    expect(end_tab.get_by_role("alert")).to_have_text(HANDED_ON)
    chat_tab.locator("#chat-input").fill("Sent from a tab left open")
    chat_tab.locator("#chat-send").click()
    expect(chat_tab.get_by_text(HANDED_ON).first).to_be_visible()

    # Nothing of it reached the call: still live, no card or message from Aiko (who sent
    # none before handing it on), and the customer saw none of it.
    assert call_facts(app, call_id, staff_id(app, "aiko@showroom.example")) == "active 0"
    expect(customer.locator("#chat-log")).not_to_contain_text("Sent from a tab left open")
    expect(customer.locator("#call-ended")).to_have_count(0)
    # Mia, who has it now, can.
    mia.goto(call_url)
    mia.locator(".push-card").first.click()
    expect(customer.locator("#chat-log .product-card")).to_have_count(1)


# Uploads and bodies from outside, over a real socket ----------------------------------------

# What the browser sends in `Reflex-Event-Handler` for the catalogue's CSV import.
IMPORT_HANDLER = (
    "reflex___state____state.showroom___pages___admin_catalogue____admin_catalogue_state"
    ".import_file"
)
GIB = 1024**3


def post_streaming(
    app: RunningApp, path: str, headers: dict[str, str], declared: int
) -> tuple[int, dict[str, str], int]:
    """POST a body of `declared` bytes, sending while the server has not answered (as an
    attacker's client does). Returns the status, the answer's headers and the bytes sent."""
    host, port = app.url.removeprefix("http://").split(":")
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {declared}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    sent, answer, chunk = 0, b"", b"x" * 65536
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        sock.setblocking(False)
        while sent < declared:
            readable, writable, _ = select.select([sock], [sock], [], 10)
            if readable or not writable:
                break  # an answer, or the server stopped reading without one
            try:
                sent += sock.send(chunk[: declared - sent])
            except BlockingIOError:
                continue
            except OSError:
                break
        sock.settimeout(10)
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in answer and (data := sock.recv(65536)):
                answer += data
    head = answer.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    status = int(head[0].split()[1]) if head and head[0].startswith("HTTP/") else 0
    fields = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
    return status, {k.lower(): v for k, v in fields.items()}, sent


def test_an_anonymous_1_gib_upload_is_refused_before_it_is_read(app: RunningApp) -> None:
    status, _headers, sent = post_streaming(
        app,
        "/_upload",
        {
            "Reflex-Client-Token": str(uuid.uuid4()),
            "Reflex-Event-Handler": IMPORT_HANDLER,
            "Content-Type": "multipart/form-data; boundary=x",
        },
        GIB,
    )
    assert status == 401
    assert sent < 32 * 1024 * 1024  # what the sockets' buffers took, not the gigabyte


def test_a_200_mib_webhook_body_is_refused_before_it_is_read(app: RunningApp) -> None:
    status, _headers, sent = post_streaming(
        app,
        "/api/stripe/webhook",
        {"Content-Type": "application/json", "Stripe-Signature": "t=1,v1=0"},
        200 * 1024 * 1024,
    )
    assert status == 413
    assert sent < 32 * 1024 * 1024


# Session cookie, headers, origins, throttled login --------------------------------------------


def test_the_session_cookie_is_httponly_and_every_answer_has_security_headers(
    app: RunningApp, page: Page
) -> None:
    log_in(page, app, "yuki@showroom.example", "not-her-password")
    expect(page.locator("#login-error")).to_have_text("The email or password is not correct.")
    screenshots(page, "login-wrong-en")
    log_in(page, app, "yuki@showroom.example")
    page.wait_for_url(re.compile(r".*/supervisor/?$"))
    screenshots(page, "supervisor-logout-button-en")
    [cookie] = [c for c in page.context.cookies() if c["name"] == "showroom_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and not cookie["secure"]
    assert "showroom_session" not in page.evaluate("document.cookie")
    expect(page.locator("#staff-board")).to_be_visible()  # the page knows who it is without it
    for url in (f"{app.url}/supervisor", f"{app.url}/api/health", f"{app.url}/_upload"):
        answer = httpx.get(url, timeout=10)
        policy = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy, url
        assert answer.headers["x-frame-options"] == "DENY", url
        assert answer.headers["x-content-type-options"] == "nosniff", url
        assert answer.headers["referrer-policy"] == "same-origin", url
    odd = httpx.get(f"{app.url}/api/catalogue/products/a%0Ab", timeout=10)  # not Reflex's text
    assert (odd.status_code, odd.json()["error"]) == (404, "not_found")
    assert "content-security-policy" in odd.headers
    page.locator("#logout").click()
    page.wait_for_url(re.compile(r".*/login/?$"))
    assert not [c for c in page.context.cookies() if c["name"] == "showroom_session"]


def test_guessing_passwords_is_slowed_down_with_a_message_in_the_users_language(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    page = browser_context(locale="ja-JP").pages[0]

    def attempt(password: str) -> None:  # the form in Japanese, found by its fields' ids
        page.goto(f"{app.url}/login")
        page.locator("#email").fill("ken@showroom.example")
        page.locator("#password").fill(password)
        page.locator("button[type=submit]").click()

    for number in range(6):
        attempt(f"wrong-password-{number}")
        page.wait_for_url(re.compile(r".*/login/?\?error=invalid_credentials$"))
        expect(page.locator("#login-error")).to_have_text(
            "メールアドレスまたはパスワードが正しくありません。"
        )
    screenshots(page, "login-wrong-ja")
    # The sixth failure locked the account for 2 s, the next for 4 s ...: keep guessing (a
    # slow page load may outlast a lock) until the throttle answers, unchecked.
    throttled = re.compile(r"ログインの失敗が続いたため、(\d+)秒後にもう一度お試しください。")
    for number in range(6, 10):
        attempt(f"wrong-password-{number}")
        page.wait_for_url(re.compile(r".*/login/?\?error=.*"))
        if "error=throttled" in page.url:
            break
    expect(page.locator("#login-error")).to_have_text(throttled)
    screenshots(page, "login-throttled-ja")
    match = throttled.search(page.locator("#login-error").inner_text())
    assert match is not None
    page.wait_for_timeout(int(match.group(1)) * 1000 + 500)
    attempt("showroom-demo")  # the lock has passed: the right password gets in
    page.wait_for_url(re.compile(r".*/staff/?$"))


def test_other_origins_get_no_credentialed_answers_and_no_websocket(app: RunningApp) -> None:
    host, port = app.url.removeprefix("http://").split(":")
    neighbour = f"http://{host}:{int(port) + 1}"  # another port of the same host
    for origin, allowed in ((neighbour, False), ("http://evil.example", False), (app.url, True)):
        answer = httpx.get(f"{app.url}/api/me", headers={"origin": origin}, timeout=10)
        echoed = answer.headers.get("access-control-allow-origin")
        assert (echoed == origin) is allowed, origin
        assert echoed != "*"
        assert websocket_status(app, origin) == (101 if allowed else 403), origin


def websocket_status(app: RunningApp, origin: str) -> int:
    """The status of a websocket handshake to Reflex's event socket from `origin`."""
    host, port = app.url.removeprefix("http://").split(":")
    request = (
        "GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\nOrigin: {origin}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request.encode())
        answer = sock.recv(4096).decode("latin-1")
    return int(answer.split()[1])


def test_a_new_calendar_link_stops_the_old_one(app: RunningApp, page: Page) -> None:
    log_in(page, app, "mia@showroom.example")
    page.wait_for_url(re.compile(r".*/staff/?$"))
    feed = page.locator("#calendar-feed")
    expect(feed).to_contain_text("/api/staff/calendar/")
    old = feed.inner_text().strip()
    assert httpx.get(old, timeout=10).status_code == 200
    page.locator("#new-feed-link").click()
    expect(feed).not_to_have_text(old)
    screenshots(page, "staff-feed-en")
    page.locator("#language-switch").click()
    expect(page.locator("#new-feed-link")).to_have_text("カレンダーのリンクを新しくする")
    screenshots(page, "staff-feed-ja")
    new = feed.inner_text().strip()
    assert httpx.get(new, timeout=10).status_code == 200
    gone = httpx.get(old, timeout=10)
    assert gone.status_code == 404 and gone.json()["error"] == "not_found"
