"""A tour page's HTML arrives with what its first pixels need (issue 18: a phone on slow 4G).

Reflex answers `/tour/<store>/<scene>` with the same empty page shell as every dynamic route;
the browser then learns, one request after another, that it needs the route's code, then the
viewer's code (three.js and Photo Sphere Viewer, the largest chunk), then the scene, then its
faces. This layer adds to that shell, per scene:

- `<link rel="modulepreload">` for the route's chunks and the viewer's, read from the build's
  React Router manifest and the route module (Vite hashes their names on every build), so all
  of them load in parallel with the page (once the preview is drawn, if there is one);
- the scene's preview: the base face the scene opens looking at (a cube face is a 90° photo in
  the viewer's own projection), carried in the page (a few KB) or preloaded, and shown before
  any script runs where the stage will be (`#tour-splash`, hidden once the page has drawn the
  stage), then as the stage's background until the viewer's canvas covers it.

Plain ASGI; the build directory and the scene lookup are passed in (tests use fakes).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import json
import re
from collections.abc import Callable
from pathlib import Path

from starlette.types import ASGIApp, Scope

from showroom.page_rewrite import PageRewrite
from showroom.paint_first import WHEN_PAINTED
from showroom.tours.scenes import ScenePreview

TOUR_PATH = re.compile(r"^/tour/([A-Za-z0-9._-]+)/([A-Za-z0-9._-]+)/?$")
TOUR_ROUTE = "tour/:store_slug/:scene_slug"
MANIFEST_LINK = re.compile(r'href="(/assets/manifest-[A-Za-z0-9_-]+\.js)"')
VIEWER_DEPS = re.compile(r"m\.f=\[([^\]]*)\]")
# Where the stage is drawn (showroom/pages/tour.py and layout.py: header, padding, heading,
# then the stage; their breakpoints are Reflex's 48em and 62em), measured at 412, 800 and
# 1280 px wide. The page's theme root covers the whole window, so the splash sits above it and
# goes once the stage is drawn (with the same image as background): an element hidden is no
# layout shift.
SPLASH_STYLE = """
#tour-splash{position:fixed;z-index:1;left:24px;top:151px;width:calc(100% - 48px);
height:min(74vh,640px);border-radius:8px;background:#222 var(--tour-preview) center/cover}
@media (min-width:48em){#tour-splash{height:min(72vh,760px);border-radius:12px}}
@media (min-width:62em){#tour-splash{top:125px}}
@media (min-width:1200px){#tour-splash{left:calc(50% - 576px);width:1152px}}
body:has(#tour-stage) #tour-splash{display:none}
"""

PreviewLookup = Callable[[str, str], ScenePreview | None]


@functools.lru_cache(maxsize=4)
def viewer_chunks(static_dir: Path, manifest_url: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The tour route's scripts and stylesheets (URLs), the viewer's included, for one build."""
    text = (static_dir / manifest_url.lstrip("/")).read_text()
    manifest = json.loads(text[text.index("=") + 1 :].rstrip().rstrip(";"))
    route = next(r for r in manifest["routes"].values() if r.get("path") == TOUR_ROUTE)
    files = [route["module"], *route.get("imports", []), *route.get("css", [])]
    module = (static_dir / route["module"].lstrip("/")).read_text()
    found = VIEWER_DEPS.search(module)
    if found:  # the viewer's dynamic import and what it needs ("assets/…" relative to the root)
        files += ["/" + name.strip().strip("\"'`") for name in found.group(1).split(",")]
    unique = list(dict.fromkeys(files))
    return (
        tuple(f for f in unique if f.endswith(".js")),
        tuple(f for f in unique if f.endswith(".css")),
    )


def missing(page: str, urls: tuple[str, ...]) -> list[str]:
    return [url for url in urls if f'"{url}"' not in page]


def head_links(scripts: list[str], styles: list[str]) -> str:
    links = [f'<link rel="modulepreload" href="{s}"/>' for s in scripts]
    # In CORS mode, as Vite's loader then asks for the stylesheet: else it is fetched twice.
    links += [f'<link rel="preload" as="style" href="{s}" crossorigin=""/>' for s in styles]
    return "".join(links)


# With a preview, the code is asked for once the preview is drawn: on a slow phone it would
# otherwise share the line with the preview (and the page's own code), and the first pixels
# would wait for code that only the canvas needs.
AFTER_PREVIEW = """<script>(() => {
  const add = () => { for (const [rel, as, href] of %s) {
    const link = document.createElement("link");
    link.rel = rel; if (as) link.as = as; link.crossOrigin = ""; link.href = href;
    document.head.appendChild(link);
  } };
  const painted = %s;
  const preview = %s;  // its URL, if it is not in the page itself: wait until it is here
  if (!preview) { painted.then(add); return; }
  const img = new Image();
  img.onload = img.onerror = () => painted.then(() => requestAnimationFrame(() => setTimeout(add, 0)));
  img.src = preview;
})();</script>"""


def after_preview(scripts: list[str], styles: list[str], preview: ScenePreview) -> str:
    links = [("modulepreload", "", s) for s in scripts] + [("preload", "style", s) for s in styles]
    wait_for = "" if preview.inline else preview.faces[preview.facing]
    return AFTER_PREVIEW % (script_json(links), WHEN_PAINTED, script_json(wait_for))


def script_json(value: object) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(value).replace("</", "<\\/")


def preview_markup(preview: ScenePreview) -> tuple[str, str]:
    """(for the head, for the start of the body): the facing face, shown at once. Carried in
    the page itself if it can be (a few KB: no round trip before the first pixels), else
    preloaded. One CSS variable holds it for both the splash and the stage."""
    face = html.escape(preview.faces[preview.facing])
    image = preview.inline or face
    preload = (
        ""
        if preview.inline
        else (f'<link rel="preload" as="image" href="{face}" fetchpriority="high"/>')
    )
    head = (
        f'{preload}<style>:root{{--tour-preview:url("{image}")}}{SPLASH_STYLE}'
        "#tour-stage{background:#222 var(--tour-preview) center/cover}</style>"
    )
    body = '<div id="tour-splash" aria-hidden="true" elementtiming="tour-preview"></div>'
    return shared_link(preview) + head, body


def shared_link(preview: ScenePreview) -> str:
    """What a shared tour link shows (chat apps and search engines run no script): the
    scene's and store's names and the view it opens on."""
    if not preview.title:
        return ""
    title = html.escape(preview.title)
    tags = [
        f"<title>{title}</title>",
        f'<meta property="og:title" content="{title}"/>',
        '<meta property="og:type" content="website"/>',
        '<meta property="og:site_name" content="Showroom"/>',
        '<meta name="twitter:card" content="summary"/>',
    ]
    if preview.image:
        tags.append(f'<meta property="og:image" content="{html.escape(preview.image)}"/>')
    return "".join(tags)


def with_prelude(page: str, static_dir: Path, preview: ScenePreview | None) -> str:
    """The page shell with the tour's preloads and preview; unchanged if anything is amiss."""
    head, body = preview_markup(preview) if preview else ("", "")
    manifest = MANIFEST_LINK.search(page)
    if manifest:
        # A build laid out differently: no preloads; the page still works, only later.
        with contextlib.suppress(OSError, ValueError, KeyError, StopIteration):
            scripts, styles = viewer_chunks(static_dir, manifest.group(1))
            code = missing(page, scripts), missing(page, styles)
            if preview:
                body += after_preview(*code, preview)
            else:
                head = head_links(*code) + head
    if "</head>" not in page or "<body>" not in page:
        return page
    return page.replace("</head>", head + "</head>", 1).replace("<body>", "<body>" + body, 1)


class TourPrelude(PageRewrite):
    """Rewrites the HTML of tour pages (GET only); everything else passes untouched. No 304:
    the preview differs per scene and upload, not per file."""

    def __init__(self, app: ASGIApp, static_dir: Callable[[], Path], lookup: PreviewLookup):
        super().__init__(app, lambda path: TOUR_PATH.match(path) is not None, self._prelude)
        self.static_dir, self.lookup = static_dir, lookup

    async def _prelude(self, scope: Scope, page: str) -> str:
        match = TOUR_PATH.match(scope["path"])
        assert match is not None  # PageRewrite only hands over the paths that match
        preview = await asyncio.to_thread(self.lookup, match.group(1), match.group(2))
        return with_prelude(page, self.static_dir(), preview)
