"""Core Web Vitals on a phone, as Lighthouse scores them: the store list and a tour scene.

Starts the real app (production build, seeded demo store), then runs Lighthouse (npm, pinned;
installed into .tools on first use) three times per page with its default mobile preset
(a Moto G-class phone: 4x CPU slowdown, slow 4G, all simulated) in Debian's headless Chromium.
Prints progress to stderr and one JSON object as its last line: medians of the three runs,

    {"lcp_mobile_s", "cls_mobile", "perf_mobile", "a11y",   # the worse of the two pages
     "home": {...same keys...}, "tour": {...same keys...}, "runs": 3}

Targets (issue 18): LCP <= 2.5 s and CLS <= 0.1 on both pages, performance >= 80,
accessibility 100.
Run: .venv/bin/python bench/web_vitals.py
(WEB_VITALS_URL=http://127.0.0.1:PORT measures an app that is already running instead.)

Nothing leaves this machine: Lighthouse only loads the page it is given (on 127.0.0.1), its
error reporting is off, Chromium runs with the same no-background-traffic flags as the
end-to-end tests and resolves no host name (checked with strace: no DNS query, no connection
to any address but 127.0.0.1).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e.app_server import CHROMIUM, CHROMIUM_FLAGS, ROOT, start_app, stop_app

LIGHTHOUSE_VERSION = "12.8.2"  # the last line that runs on Debian's Node 20 (13 needs 22)
TOOLS = ROOT / ".tools"
LIGHTHOUSE = TOOLS / "node_modules" / ".bin" / "lighthouse"
RUNS = 3
PAGES = {"home": "/", "tour": "/tour/aoyama/living"}
RUN_TIMEOUT_S = 240


def ensure_lighthouse() -> None:
    """Lighthouse is large (about 90 MB), so it is installed on the bench's first run only,
    into .tools like the project's other npm tools, at exactly the pinned version."""
    package = TOOLS / "node_modules" / "lighthouse" / "package.json"
    if package.exists() and json.loads(package.read_text())["version"] == LIGHTHOUSE_VERSION:
        return
    print(f"installing lighthouse {LIGHTHOUSE_VERSION} into .tools", file=sys.stderr)
    subprocess.run(
        ["npm", "install", "--silent", "--no-audit", "--no-fund", "--save-exact",
         "--prefix", str(TOOLS), f"lighthouse@{LIGHTHOUSE_VERSION}"],
        check=True, timeout=600,
    )  # fmt: skip


def lighthouse(url: str, work: Path) -> dict[str, Any]:
    """One Lighthouse run (mobile, simulated throttling): its JSON report."""
    report = work / "report.json"
    # Lighthouse splits --chrome-flags on spaces: a value with spaces (the host resolver rules,
    # which keep Chromium from asking a DNS server anything) goes in quotes.
    quoted = (f.replace("=", "='", 1) + "'" if " " in f else f for f in CHROMIUM_FLAGS)
    flags = ["--headless=new", *quoted]
    env = {**os.environ, "CHROME_PATH": CHROMIUM, "TMPDIR": str(work)}
    subprocess.run(
        [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
         "--only-categories=performance,accessibility", "--no-enable-error-reporting",
         f"--chrome-flags={' '.join(flags)}"],
        check=True, env=env, timeout=RUN_TIMEOUT_S, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(report.read_text())
    report.unlink()
    return result


def figures(report: dict[str, Any]) -> dict[str, float]:
    audits, categories = report["audits"], report["categories"]
    return {
        "lcp_mobile_s": round(audits["largest-contentful-paint"]["numericValue"] / 1000, 2),
        "cls_mobile": round(audits["cumulative-layout-shift"]["numericValue"], 3),
        "perf_mobile": round(categories["performance"]["score"] * 100),
        "a11y": round(categories["accessibility"]["score"] * 100),
    }


def explain(report: dict[str, Any]) -> str:
    """What to look at next: the LCP element, what shifted, failed accessibility audits."""
    audits = report["audits"]

    def items(audit: str) -> list[dict[str, Any]]:
        details = audits.get(audit, {}).get("details") or {}
        found = details.get("items") or []
        # The LCP element audit nests its table in a list of tables.
        return found[0].get("items", []) if found and found[0].get("type") == "table" else found

    lcp = [i.get("node", {}).get("snippet", "") for i in items("largest-contentful-paint-element")]
    shifts = [(i.get("node", {}).get("snippet", "")[:80], round(i.get("score", 0), 3))
              for i in items("layout-shifts")]  # fmt: skip
    a11y = report["categories"]["accessibility"]["auditRefs"]
    failed = [r["id"] for r in a11y if audits[r["id"]].get("score") == 0]
    return json.dumps({"lcp_element": lcp[:1], "shifts": shifts[:3], "a11y_failed": failed})


def worse(pages: dict[str, dict[str, float]]) -> dict[str, float]:
    every = list(pages.values())
    return {
        "lcp_mobile_s": max(p["lcp_mobile_s"] for p in every),
        "cls_mobile": max(p["cls_mobile"] for p in every),
        "perf_mobile": min(p["perf_mobile"] for p in every),
        "a11y": min(p["a11y"] for p in every),
    }


def measure(base_url: str, work: Path) -> dict[str, dict[str, float]]:
    pages: dict[str, dict[str, float]] = {}
    for name, path in PAGES.items():
        runs = []
        for run in range(RUNS):
            report = lighthouse(base_url + path, work)
            runs.append(figures(report))
            print(f"{name} run {run}: {json.dumps(runs[-1])} {explain(report)}", file=sys.stderr)
        pages[name] = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    return pages


def main() -> None:
    ensure_lighthouse()
    work = Path(tempfile.mkdtemp(prefix="bench-vitals-"))
    given = os.environ.get("WEB_VITALS_URL", "")
    (work / "app").mkdir()
    app = None if given else start_app(work / "app")
    try:
        pages = measure(given or (app.url if app else ""), work)
    finally:
        if app is not None:
            stop_app(app)
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({**worse(pages), **pages, "runs": RUNS}))


if __name__ == "__main__":
    main()
