"""Pages paint before their code loads (issue 18: a phone on slow 4G).

Reflex's production pages arrive prerendered, but their `<head>` asks for about fifty script
chunks (some 430 KB) at high priority, and its entry script imports them at once. On a slow
phone those share the line with the one stylesheet the first paint needs, so the prerendered
text waited for code it does not need (Lighthouse, mobile: LCP 3.5 to 4 s on `/`).

This layer rewrites each page's HTML on its way out so that the code is asked for once the
page has painted:

- the chunks' `<link rel="modulepreload">` get a media query that matches nothing, so the
  browser leaves them (React still finds them when it hydrates: it matches links by rel and
  href, so nothing in `<head>` is rendered twice);
- the entry script waits for the first paint (not in a tab in the background, which does not
  paint), then adds the same preloads for real, so the chunks still load in parallel, and
  imports what it imported before, in the same order.

A page whose shape is not the one expected passes unchanged: it works, only later.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Scope

from showroom.page_rewrite import PageRewrite

HELD = "print and (max-width: 0px)"
PRELOAD = '<link rel="modulepreload" href='
ENTRY = re.compile(r'<script type="module" async="">(.*?)</script>', re.S)
SIDE_EFFECT_IMPORT = re.compile(r'^import "([^"]+)";[ \t]*$', re.M)
NAMESPACE_IMPORT = re.compile(r'^import \* as ([A-Za-z_$][\w$]*) from "([^"]+)";[ \t]*$', re.M)
STATIC_IMPORT = re.compile(r"^\s*import\s*[^\s(]", re.M)
# Waits for the browser's own word that the page has painted (a frame is not enough: a timer
# after it can run before the frame reaches the screen): "first-contentful-paint", or just
# "first-paint" for a page whose HTML has nothing to show before its code runs (the shell of a
# dynamic route: it would otherwise wait for the fallback). A hidden tab paints nothing, so it
# goes at once; a browser without paint timing too; and in any case after 3 s. What let the
# code go is left in `window.__codeAfter` (the end-to-end tests read it).
WHEN_PAINTED = (
    "new Promise((go) => {"
    " let once = (why) => { once = () => {}; window.__codeAfter = why; go(); };"
    ' if (document.visibilityState === "hidden") return once("hidden");'
    ' setTimeout(() => once("timeout"), 3000);'
    " try { new PerformanceObserver((list, seen) => {"
    ' if (list.getEntries().length) { seen.disconnect(); once("paint"); }'
    ' }).observe({ type: "paint", buffered: true }); } catch { once("unsupported"); } })'
)
AFTER_PAINT = (
    f"await {WHEN_PAINTED};\n"
    f"for (const held of document.querySelectorAll('link[rel=modulepreload][media=\"{HELD}\"]')) {{"
    ' const link = document.createElement("link"); link.rel = "modulepreload";'
    ' link.href = held.getAttribute("href"); document.head.append(link); }\n'
)


def paint_first(page: str) -> str:
    """The page with its code asked for after the first paint; unchanged if its entry script
    is not the plain list of imports Reflex's build writes."""
    entry = ENTRY.search(page)
    if entry is None or PRELOAD not in page:
        return page
    code = SIDE_EFFECT_IMPORT.sub(r'await import("\1");', entry.group(1))
    code = NAMESPACE_IMPORT.sub(r'const \1 = await import("\2");', code)
    if STATIC_IMPORT.search(code):
        return page
    held = page[: entry.start(1)] + AFTER_PAINT + code + page[entry.end(1) :]
    return held.replace(PRELOAD, f'<link rel="modulepreload" media="{HELD}" href=')


async def _paint_first(scope: Scope, page: str) -> str:
    return paint_first(page)


def paint_first_pages(app: ASGIApp) -> ASGIApp:
    """Every page of the app, painted before its code loads. Pages are extensionless routes;
    files (`/a11y.js`, `/theme.css`, the favicon), assets and API calls stream through as
    they are, pre-compressed and with ranges."""

    def applies(path: str) -> bool:
        if path.startswith(("/assets/", "/media/", "/api/", "/_")):
            return False
        return "." not in path.rstrip("/").rsplit("/", 1)[-1]

    return PageRewrite(app, applies, _paint_first, keep_validators="pf1")
