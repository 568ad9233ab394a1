"""Who may see what: logins, roles, and customers' signed links."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp, log_in


def test_wrong_password_is_refused_in_the_users_language(app: RunningApp, page: Page) -> None:
    log_in(page, app, "aiko@showroom.example", "not-the-password")
    expect(page.get_by_role("alert")).to_have_text("The email or password is not correct.")
    assert re.search(r"/login/?\?error=invalid_credentials$", page.url)  # still the login page


def test_staff_pages_send_anonymous_visitors_to_login(app: RunningApp, page: Page) -> None:
    page.goto(f"{app.url}/supervisor")
    page.wait_for_url(re.compile(r".*/login/?\?next=/supervisor/?$"))
    expect(page.get_by_role("heading", name="Staff login")).to_be_visible()


def test_staff_cannot_open_the_supervisor_board(app: RunningApp, page: Page) -> None:
    log_in(page, app, "ken@showroom.example")
    page.wait_for_url(re.compile(r".*/staff/?$"))
    page.goto(f"{app.url}/supervisor")
    expect(page.locator("#forbidden")).to_have_text("You do not have access to this page.")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    response = httpx.get(f"{app.url}/api/supervisor/board", cookies=cookies)
    assert response.status_code == 403 and response.json()["error"] == "forbidden"


def test_supervisor_logs_in_sees_the_board_and_logs_out(app: RunningApp, page: Page) -> None:
    log_in(page, app, "yuki@showroom.example")
    page.wait_for_url(re.compile(r".*/supervisor/?$"))
    expect(page.get_by_role("heading", name="Live board")).to_be_visible()
    expect(page.locator("#staff-board").get_by_text("Mia Tanaka")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r".*/login/?$"))
    page.goto(f"{app.url}/staff")
    page.wait_for_url(re.compile(r".*/login/?\?next=/staff/?$"))


def test_api_refuses_anonymous_callers_in_their_language(app: RunningApp) -> None:
    response = httpx.get(f"{app.url}/api/me", headers={"Accept-Language": "ja"})
    assert response.status_code == 401
    assert response.json() == {
        "error": "login_required",
        "message": "続けるにはログインしてください。",
    }
    board = httpx.get(f"{app.url}/api/supervisor/board", cookies={"showroom_session": "forged"})
    assert board.status_code == 401


def test_tampered_and_foreign_call_links_are_refused(app: RunningApp, page: Page) -> None:
    page.goto(f"{app.url}/call/not-a-real-link")
    expect(page.locator("#call-error")).to_have_text(
        "This link is not valid. Please check that you copied all of it."
    )
    response = httpx.post(
        f"{app.url}/api/rtc/1/offer",
        json={"type": "offer", "sdp": "v=0"},
        headers={"Authorization": "Bearer forged.token"},
    )
    assert response.status_code == 403
