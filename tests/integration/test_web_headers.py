"""The outermost layer: security headers on every answer, and JSON for impossible paths."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from showroom.settings import get_settings
from showroom.web_headers import ControlCharacterPaths, SecurityHeaders, security_headers


async def hello(_request: Request) -> PlainTextResponse:
    return PlainTextResponse("hello", headers={"X-Frame-Options": "SAMEORIGIN"})


def client() -> httpx.AsyncClient:
    inner = Starlette(routes=[Route("/hello", hello)])
    app = SecurityHeaders(ControlCharacterPaths(inner), security_headers(get_settings()))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x")


async def test_every_answer_has_the_headers_and_keeps_its_own() -> None:
    async with client() as http:
        for path, status in (("/hello", 200), ("/nowhere", 404)):
            answer = await http.get(path)
            assert answer.status_code == status
            policy = answer.headers["content-security-policy"]
            assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert answer.headers["referrer-policy"] == "same-origin"
        assert (await http.get("/hello")).headers["x-frame-options"] == "SAMEORIGIN"
        assert (await http.get("/nowhere")).headers["x-frame-options"] == "DENY"


async def test_a_path_with_a_line_break_is_a_json_404() -> None:
    async with client() as http:
        for path in ("/api/catalogue/products/a%0Ab", "/hello%0D", "/x%00y", "/x%7Fy"):
            answer = await http.get(path)
            assert answer.status_code == 404, path
            assert answer.headers["content-type"] == "application/json"
            assert answer.json()["error"] == "not_found"
            assert "content-security-policy" in answer.headers


def test_the_policy_allows_exactly_the_stripe_origin_in_use() -> None:
    settings = get_settings()
    policy = security_headers(settings)["Content-Security-Policy"]
    assert settings.stripe_api_base and settings.stripe_api_base in policy  # localstripe here
    assert "https://js.stripe.com" not in policy and "*" not in policy
    live = type(settings)(**{**settings.__dict__, "stripe_api_base": None,
                             "public_url": "https://shop.example.com"})  # fmt: skip
    live_headers = security_headers(live)
    assert (
        "script-src 'self' 'unsafe-inline' 'unsafe-eval' https://js.stripe.com"
        in (live_headers["Content-Security-Policy"])
    )
    assert (
        "connect-src 'self' wss://shop.example.com https://api.stripe.com"
        in (live_headers["Content-Security-Policy"])
    )
    assert live_headers["Strict-Transport-Security"] == "max-age=31536000"
