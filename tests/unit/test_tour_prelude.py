"""A tour page's HTML with its preloads and the scene's preview (showroom/tour_prelude.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from showroom.tour_prelude import TourPrelude, viewer_chunks
from showroom.tours.scenes import ScenePreview

SHELL = (
    '<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/>'
    '<link rel="modulepreload" href="/assets/manifest-ab12.js"/>'
    '<link rel="modulepreload" href="/assets/react-1.js"/></head>'
    '<body><div class="radix-themes"></div></body></html>'
)
FACES = {f: f"/media/panoramas/aoyama/living/base/{f}.jpg" for f in ("front", "right", "back")}


def build(tmp_path: Path) -> Path:
    """A production build as Reflex lays it out: the manifest names the route's module."""
    assets = tmp_path / "assets"
    assets.mkdir()
    routes = {
        "root": {"id": "root", "path": "", "module": "/assets/root-1.js", "imports": []},
        "routes/[tour]": {
            "path": "tour/:store_slug/:scene_slug",
            "module": "/assets/tour-1.js",
            "imports": ["/assets/react-1.js", "/assets/dialog-1.js"],
            "css": [],
        },
    }
    manifest = {"entry": {"module": "/assets/entry-1.js"}, "routes": routes}
    (assets / "manifest-ab12.js").write_text(
        f"window.__reactRouterManifest={json.dumps(manifest)};"
    )
    (assets / "tour-1.js").write_text(
        'const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=["assets/panorama_viewer-1.js",'
        '"assets/react-1.js","assets/three-1.js","assets/viewer-1.css"])))=>i.map(i=>d[i]);'
    )
    return tmp_path


def client(static_dir: Path, preview: ScenePreview | None) -> TestClient:
    def shell(request: Request) -> Response:
        if request.headers.get("if-none-match") == '"v1"':
            return Response(status_code=304)
        return HTMLResponse(SHELL, headers={"etag": '"v1"'})

    app = Starlette(routes=[Route("/tour/{store}/{scene}", shell), Route("/", shell)])
    asked: list[tuple[str, str]] = []

    def lookup(store: str, scene: str) -> ScenePreview | None:
        asked.append((store, scene))
        return preview

    return TestClient(TourPrelude(app, lambda: static_dir, lookup))


def test_the_tour_shell_preloads_the_route_and_the_viewer_code(tmp_path: Path) -> None:
    page = client(build(tmp_path), None).get("/tour/aoyama/living")
    assert page.status_code == 200
    for script in ("tour-1.js", "dialog-1.js", "panorama_viewer-1.js", "three-1.js"):
        assert f'<link rel="modulepreload" href="/assets/{script}"/>' in page.text
    assert page.text.count("/assets/react-1.js") == 1  # already preloaded by the shell
    # In CORS mode, as Vite's loader asks for it (else it would be fetched twice).
    assert (
        '<link rel="preload" as="style" href="/assets/viewer-1.css" crossorigin=""/>' in page.text
    )
    assert page.text.index("three-1.js") < page.text.index("</head>")
    assert "tour-splash" not in page.text  # no preview known: none shown
    assert int(page.headers["content-length"]) == len(page.content)


def test_the_scene_preview_is_shown_before_any_script(tmp_path: Path) -> None:
    page = client(build(tmp_path), ScenePreview(FACES, "right")).get("/tour/aoyama/living")
    face = FACES["right"]
    assert f'<link rel="preload" as="image" href="{face}" fetchpriority="high"/>' in page.text
    assert f':root{{--tour-preview:url("{face}")}}' in page.text
    assert '<body><div id="tour-splash" aria-hidden="true"' in page.text
    assert "#tour-stage{background:#222 var(--tour-preview) center/cover}" in page.text
    assert "etag" not in page.headers  # the page now depends on the scene, not on the file
    # The code is asked for once the preview is here and drawn, not before it.
    head, body = page.text.split("</head>")
    assert "three-1.js" not in head
    assert '["modulepreload", "", "/assets/three-1.js"]' in body
    assert '["preload", "style", "/assets/viewer-1.css"]' in body
    assert 'link.crossOrigin = "";' in body
    assert f'const preview = "{face}";' in body


def test_a_small_preview_travels_inside_the_page(tmp_path: Path) -> None:
    inline = "data:image/jpeg;base64,/9j/4AAQ"
    preview = ScenePreview(FACES, "front", "aoyama/living/base/front.jpg", inline)
    page = client(build(tmp_path), preview).get("/tour/aoyama/living")
    assert f':root{{--tour-preview:url("{inline}")}}' in page.text
    assert 'rel="preload" as="image"' not in page.text and FACES["front"] not in page.text
    assert 'const preview = "";' in page.text  # nothing to wait for but the first paint


def test_a_revalidation_still_gets_the_scene_page(tmp_path: Path) -> None:
    page = client(build(tmp_path), ScenePreview(FACES, "front")).get(
        "/tour/aoyama/living", headers={"if-none-match": '"v1"'}
    )
    assert page.status_code == 200 and "tour-splash" in page.text


def test_other_pages_and_a_missing_build_are_left_alone(tmp_path: Path) -> None:
    home = client(build(tmp_path), ScenePreview(FACES, "front")).get("/")
    assert home.text == SHELL and home.headers["etag"] == '"v1"'
    # A build without the manifest: the tour page is served as it was, preview aside.
    bare = client(tmp_path / "nowhere", None).get("/tour/aoyama/living")
    assert bare.text == SHELL


def test_the_chunks_are_read_once_per_build(tmp_path: Path) -> None:
    static_dir = build(tmp_path)
    scripts, styles = viewer_chunks(static_dir, "/assets/manifest-ab12.js")
    (static_dir / "assets" / "tour-1.js").unlink()
    assert viewer_chunks(static_dir, "/assets/manifest-ab12.js") == (scripts, styles)
    assert scripts[0] == "/assets/tour-1.js" and styles == ("/assets/viewer-1.css",)


@pytest.mark.parametrize(
    "path", ["/tour/aoyama", "/tour/aoyama/living/extra", "/tours/aoyama/living"]
)
def test_only_scene_pages_are_rewritten(tmp_path: Path, path: str) -> None:
    app = Starlette(routes=[Route(path, lambda _: HTMLResponse(SHELL))])
    prelude = TourPrelude(app, lambda: build(tmp_path), lambda s, c: ScenePreview(FACES, "front"))
    assert TestClient(prelude).get(path).text == SHELL


def test_a_shared_tour_link_names_the_scene_and_shows_its_view(tmp_path: Path) -> None:
    preview = ScenePreview(
        FACES, "front", title='Living room · Aoyama / リビング・青山 "&"',
        image="https://shop.example/media/panoramas/aoyama/living/base/front.jpg",
    )  # fmt: skip
    static = build(tmp_path)
    page = client(static, preview).get("/tour/aoyama/living").text
    head = page[: page.index("</head>")]
    title = "Living room · Aoyama / リビング・青山 &quot;&amp;&quot;"
    assert f"<title>{title}</title>" in head
    assert f'<meta property="og:title" content="{title}"/>' in head
    assert f'<meta property="og:image" content="{preview.image}"/>' in head
    # No names (a scene looked up without its store): no tags rather than empty ones.
    bare = client(static, ScenePreview(FACES, "front")).get("/tour/aoyama/living").text
    assert "og:title" not in bare and "<title>" not in bare
