"""How fast a tour opens in Chromium: first panorama pixels, sharp initial view, bytes.

Starts the real app (production build, seeded demo store) and headless Chromium itself, opens
/tour/aoyama/living in a fresh profile several times (cold cache), and prints one JSON object
as its last line: {"first_pixels_s", "sharp_view_s", "bytes", "viewer_ready_s", "runs"}
(medians). First pixels: the page's preview of the scene or the viewer's first frame, whichever
came first; viewer_ready_s: the viewer's first frame alone.
Run: .venv/bin/python bench/tour_load.py
(TOUR_BENCH_URL=http://127.0.0.1:PORT measures an app that is already running instead.)
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e.app_server import CHROMIUM, CHROMIUM_FLAGS, start_app, stop_app

RUNS = 5
QUIET_MS = 1500  # no new tile for this long: the initial view is as sharp as it gets
# Times (ms since navigation start) when the viewer first rendered and when each tile arrived.
# The page's own preview of the scene (an image shown before the viewer's code has run, see
# showroom/tour_prelude.py) counts as first pixels too: Element Timing says when it was drawn.
WATCH = """
window.__tour = {ready: null, tiles: [], preview: null};
new PerformanceObserver((list) => {
  for (const e of list.getEntries())
    if (e.identifier === 'tour-preview' && !window.__tour.preview)
      window.__tour.preview = e.renderTime || e.loadTime;
}).observe({type: 'element', buffered: true});
new MutationObserver((changes) => {
  for (const c of changes) {
    if (c.attributeName === 'data-ready' && c.target.dataset.ready === 'true' && !window.__tour.ready)
      window.__tour.ready = performance.now();
    if (c.attributeName === 'data-tiles-loaded') window.__tour.tiles.push(performance.now());
  }
}).observe(document, {attributes: true, subtree: true,
                      attributeFilter: ['data-ready', 'data-tiles-loaded']});
"""


def measure(page: Page, url: str) -> tuple[float, float, int, float]:
    """(first pixels, sharp view, bytes, viewer's first frame): seconds since navigation."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    received: list[int] = []
    cdp.on("Network.loadingFinished", lambda e: received.append(int(e["encodedDataLength"])))
    page.goto(url)
    page.wait_for_function("() => window.__tour && window.__tour.ready", timeout=60_000)
    page.wait_for_function(
        f"""() => {{ const t = window.__tour.tiles; const last = t.length ? t[t.length - 1]
                     : window.__tour.ready; return performance.now() - last > {QUIET_MS}; }}""",
        timeout=60_000,
        polling=100,
    )
    ready, tiles, preview = page.evaluate(
        "() => [window.__tour.ready, window.__tour.tiles, window.__tour.preview]"
    )
    sharp = max([ready, *tiles])
    first = min(ready, preview or ready)
    print("  where the time went (ms): " + json.dumps(page.evaluate(BREAKDOWN)), file=sys.stderr)
    return first / 1000, sharp / 1000, sum(received), ready / 1000


# Milestones before the first pixels: page code, viewer code, scene data, base faces.
BREAKDOWN = r"""() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const marks = Object.fromEntries(performance.getEntriesByType('mark')
                                   .map((m) => [m.name, Math.round(m.startTime)]));
  const faces = performance.getEntriesByType('resource').filter((r) => /\/base\//.test(r.name)
                                                                 || /_base|preview/.test(r.name));
  const first = (xs, key) => xs.length ? Math.round(Math.min(...xs.map((x) => x[key]))) : null;
  const last = (xs, key) => xs.length ? Math.round(Math.max(...xs.map((x) => x[key]))) : null;
  return {dom_content_loaded: Math.round(nav.domContentLoadedEventEnd), ...marks,
          preview: window.__tour.preview && Math.round(window.__tour.preview),
          base_requested: first(faces, 'startTime'), base_loaded: last(faces, 'responseEnd'),
          ready: Math.round(window.__tour.ready)};
}"""


def main() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="bench-tour-"))
    given = os.environ.get("TOUR_BENCH_URL", "")
    app = None if given else start_app(data_dir)
    base_url = given or (app.url if app else "")
    results = []
    try:
        with sync_playwright() as driver:
            for run in range(RUNS):
                profile = data_dir / f"profile-{run}"
                context = driver.chromium.launch_persistent_context(
                    str(profile), executable_path=CHROMIUM,
                    headless=True, args=CHROMIUM_FLAGS, viewport={"width": 1280, "height": 720},
                    device_scale_factor=1,
                )  # fmt: skip
                context.add_init_script(WATCH)
                page = context.pages[0]
                results.append(measure(page, f"{base_url}/tour/aoyama/living"))
                context.close()
                print(f"run {run}: first pixels {results[-1][0]:.2f} s, sharp {results[-1][1]:.2f} s, "
                      f"{results[-1][2]:,} bytes", file=sys.stderr)  # fmt: skip
    finally:
        if app is not None:
            stop_app(app)
        shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps({
        "first_pixels_s": round(statistics.median(r[0] for r in results), 3),
        "sharp_view_s": round(statistics.median(r[1] for r in results), 3),
        "bytes": int(statistics.median(r[2] for r in results)),
        "viewer_ready_s": round(statistics.median(r[3] for r in results), 3),
        "runs": RUNS,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
