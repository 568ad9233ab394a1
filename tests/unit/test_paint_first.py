"""Pages paint before their code loads (showroom/paint_first.py, showroom/page_rewrite.py)."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from showroom.delivery import deliver
from showroom.paint_first import HELD, paint_first, paint_first_pages

# The shape of Reflex's production pages (React Router's entry script), trimmed.
ENTRY = (
    '<script type="module" async="">import "/assets/manifest-1.js";\n'
    'import * as route0 from "/assets/root-1.js";\n'
    'import * as route1 from "/assets/_index-1.js";\n'
    "  \n"
    '  window.__reactRouterRouteModules = {"root":route0,"routes/_index":route1};\n\n'
    'import("/assets/entry.client-1.js");</script>'
)
PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/>'
    '<link rel="modulepreload" href="/assets/manifest-1.js"/>'
    '<link rel="modulepreload" href="/assets/root-1.js"/>'
    '<link href="/assets/styles-1.css" rel="stylesheet" type="text/css"/></head>'
    f"<body><main>Our stores</main>{ENTRY}</body></html>"
)


def test_the_code_is_held_until_the_page_has_painted() -> None:
    page = paint_first(PAGE)
    assert '<link rel="modulepreload" href=' not in page
    assert page.count(f'<link rel="modulepreload" media="{HELD}" href=') == 2
    script = page[page.index('<script type="module"') :]
    # It waits until the browser says the page has painted (not in a hidden tab)...
    waits = script.index("new PerformanceObserver((list, seen) => { if (list.getEntries().length)")
    assert waits < script.index('observe({ type: "paint", buffered: true })')
    assert waits < script.index("await import(")
    assert 'if (document.visibilityState === "hidden") return once("hidden");' in script
    # ...then asks for every held chunk at once and imports what the page imported, in order.
    assert f'link[rel=modulepreload][media="{HELD}"]' in script
    imports = [
        'await import("/assets/manifest-1.js");',
        'const route0 = await import("/assets/root-1.js");',
        'const route1 = await import("/assets/_index-1.js");',
        "window.__reactRouterRouteModules",
        'import("/assets/entry.client-1.js");',
    ]
    places = [script.index(line) for line in imports]
    assert places == sorted(places)
    assert "\nimport " not in script and not script.startswith(
        '<script type="module" async="">import'
    )
    # The stylesheet, which the first paint does need, is not touched.
    assert '<link href="/assets/styles-1.css" rel="stylesheet" type="text/css"/>' in page


@pytest.mark.parametrize(
    "page",
    [
        PAGE.replace(ENTRY, ""),  # no entry script: nothing would ever load the held chunks
        PAGE.replace('import * as route1 from "/assets/_index-1.js";', "import {a} from 'x';"),
        PAGE.replace('<link rel="modulepreload"', '<link rel="preload"'),  # nothing to hold
    ],
    ids=["no-entry", "unknown-import", "no-preloads"],
)
def test_a_page_of_another_shape_passes_unchanged(page: str) -> None:
    assert paint_first(page) == page


def shell(request: Request) -> Response:
    if request.headers.get("if-none-match") == '"v1"':
        return Response(status_code=304, headers={"etag": '"v1"'})
    return HTMLResponse(PAGE, headers={"etag": '"v1"'})


APP = Starlette(
    routes=[
        Route("/", shell),
        Route("/assets/page.html", shell),
        Route("/api/health", lambda _: JSONResponse({"status": "ok"})),
        Route("/a11y.js", shell),
    ]
)


def test_every_page_is_served_painted_first_and_still_compressed() -> None:
    client = TestClient(deliver(paint_first_pages(APP)))
    page = client.get("/", headers={"accept-encoding": "gzip"})
    assert page.status_code == 200 and page.headers["content-encoding"] == "gzip"
    assert page.text == paint_first(PAGE)
    assert client.get("/assets/page.html").text == PAGE  # build assets are not pages
    assert client.get("/a11y.js").text == PAGE  # nor is any other file
    assert client.get("/api/health").json() == {"status": "ok"}
    raw = client.get("/", headers={"accept-encoding": "identity"})
    assert int(raw.headers["content-length"]) == len(raw.content) == len(paint_first(PAGE))


def test_a_painted_page_keeps_its_own_validator() -> None:
    client = TestClient(paint_first_pages(APP))
    first = client.get("/")
    etag = first.headers["etag"]
    assert etag == '"v1-pf1"'  # not the file's: the bytes differ from the file's
    again = client.get("/", headers={"if-none-match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag
    # Another version of the rewrite's tag does not match.
    assert client.get("/", headers={"if-none-match": '"v1-pf2"'}).status_code == 200
