"""Cache lifetimes and compression the app sets on its responses (showroom/delivery.py)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from showroom.delivery import IMMUTABLE, MEDIA, REVALIDATE, deliver


def page(_: Request) -> Response:
    return HTMLResponse("<html><body>tour</body></html>")


def script(_: Request) -> Response:
    return PlainTextResponse("x" * 2000, media_type="text/javascript")


def tile(_: Request) -> Response:
    return Response(b"\xff\xd8" * 10, media_type="image/jpeg", headers={"etag": '"t1"'})


def board(_: Request) -> Response:
    return JSONResponse({"staff": [{"name": "Mia Tanaka", "state": "available"}] * 100})


def own_rule(_: Request) -> Response:
    return HTMLResponse("<p>private</p>", headers={"cache-control": "no-store"})


def client() -> TestClient:
    app = Starlette(
        routes=[
            Route("/tour/aoyama/living", page),
            Route("/assets/tour-Ab12.js", script),
            Route("/media/panoramas/aoyama/living/0_0.jpg", tile),
            Route("/api/board", board, methods=["GET", "POST"]),
            Route("/private", own_rule),
        ]
    )
    return TestClient(deliver(app))


def test_hashed_assets_are_immutable_and_pages_revalidate() -> None:
    with client() as http:
        assert http.get("/assets/tour-Ab12.js").headers["cache-control"] == IMMUTABLE
        assert http.get("/tour/aoyama/living").headers["cache-control"] == REVALIDATE


def test_tiles_are_cached_a_day_and_keep_their_validator() -> None:
    with client() as http:
        answer = http.get("/media/panoramas/aoyama/living/0_0.jpg")
    assert answer.headers["cache-control"] == MEDIA
    assert answer.headers["etag"] == '"t1"'


def test_json_is_gzipped_when_asked_and_plain_when_not() -> None:
    with client() as http:
        zipped = http.get("/api/board", headers={"accept-encoding": "gzip"})
        plain = http.get("/api/board", headers={"accept-encoding": "identity"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.json() == plain.json()
    assert "content-encoding" not in plain.headers


def test_a_rule_the_app_set_and_other_methods_are_left_alone() -> None:
    with client() as http:
        assert http.get("/private").headers["cache-control"] == "no-store"
        assert "cache-control" not in http.post("/api/board").headers
