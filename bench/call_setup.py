"""How fast a call starts and how fast its chat is, in two headless Chromiums with fake media.

Starts the real app (production build, seeded demo store) itself; per run, a fresh walk-in
consultation: the customer opens their link, a member of staff logs in and opens the call, both
wait in the lobby with the camera on, then both press "join" (#lobby-join) together.

- first frame: from pressing join to the first remote video frame that shows the other side's
  picture (not the server's black filler), measured in each page with requestVideoFrameCallback
  (the panel's data-join-at / data-first-frame-at). The slower side counts.
- chat: from pressing "send" in one browser to the message being shown in the other one's chat
  log (MutationObserver), through the app's own chat (store, publish, push), both directions.
  Both pages read the same machine clock (Date.now()).
- server CPU: the app's processes (the backend relays the call's media) over
  `CPU_WINDOW_S` seconds of the last call with video both ways, before the chat, in cores.

Prints one JSON object as its last line: {"first_frame_s" (median over runs of the slower
side), "first_frame_runs", "customer_s", "staff_s", "chat_p50_ms", "chat_p95_ms",
"chat_messages", "runs", "server_cpu_cores"}. Run: .venv/bin/python bench/call_setup.py [runs]
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, Playwright, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e.app_server import CHROMIUM, CHROMIUM_FLAGS, RunningApp, start_app, stop_app

RUNS = 3
CHAT_MESSAGES = 20  # each way
CPU_WINDOW_S = 5.0
CALL_FLAGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]
NEW_CALL = """
import json
from showroom.db import session_scope
from showroom.models import Store
from showroom.settings import get_settings
from consult.calls.consultations import customer_link, start_walk_in
from sqlalchemy import select
with session_scope() as s:
    store = s.scalars(select(Store).where(Store.slug == "aoyama")).one()
    c = start_walk_in(s, store.id, customer_name="Bench")
    link = customer_link(get_settings().secret_key, c)
    print(json.dumps({"id": c.id, "token": link.token}))
"""
# Records when a chat text first shows in this page's log.
WATCH_CHAT = """
() => {
  window.__seen = {};
  new MutationObserver(() => {
    for (const el of document.querySelectorAll('#chat-log .chat-body')) {
      const text = el.textContent;
      if (!(text in window.__seen)) window.__seen[text] = Date.now();
    }
  }).observe(document.querySelector('#chat-log'), {childList: true, subtree: true,
                                                    characterData: true});
}
"""


def browser(driver: Playwright, profile: Path) -> BrowserContext:
    context = driver.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        locale="en-GB",
        args=[*CHROMIUM_FLAGS, *CALL_FLAGS],
        viewport={"width": 1280, "height": 800},
    )
    context.set_default_timeout(60_000)
    return context


def log_in(page: Page, app: RunningApp) -> None:
    page.goto(f"{app.url}/login")
    page.get_by_label("Email").fill("aiko@showroom.example")
    page.get_by_label("Password").fill("showroom-demo")
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/staff")


def join_both(customer: Page, staff: Page, app: RunningApp) -> tuple[float, float]:
    call = json.loads(app.python(NEW_CALL))
    customer.goto(f"{app.url}/call/{call['token']}")
    staff.goto(f"{app.url}/staff/call/{call['id']}")
    for page in (customer, staff):
        page.locator("[data-video='preview']").wait_for()
        page.locator("#lobby-join:not([disabled])").wait_for()
    # Both press join within a few milliseconds of each other.
    for page in (customer, staff):
        page.evaluate("document.querySelector('#lobby-join').click()")
    times = []
    for page in (customer, staff):
        panel = page.locator("[data-first-frame-at]")
        panel.wait_for(timeout=30_000)
        join_at = float(panel.get_attribute("data-join-at") or "nan")
        frame_at = float(panel.get_attribute("data-first-frame-at") or "nan")
        times.append((frame_at - join_at) / 1000)
    return times[0], times[1]


def chat_latencies(sender: Page, receiver: Page, label: str) -> list[float]:
    out = []
    for n in range(CHAT_MESSAGES):
        text = f"{label} {n} {time.monotonic_ns()}"
        # The previous send clears the box when its reply lands: type after that if it comes.
        with contextlib.suppress(PlaywrightTimeout):
            sender.wait_for_function(
                "document.querySelector('#chat-input').value === ''", timeout=5_000
            )
        sender.locator("#chat-input").fill(text)
        sent_at = sender.evaluate(
            "() => { const t = Date.now(); document.querySelector('#chat-send').click(); "
            "return t; }"
        )
        receiver.wait_for_function("t => window.__seen && t in window.__seen", arg=text)
        out.append(receiver.evaluate("t => window.__seen[t]", text) - sent_at)
        # Both sides show it before the next one goes (the sender's own copy too).
        sender.wait_for_function("t => window.__seen && t in window.__seen", arg=text)
    return out


def cpu_seconds(root: int) -> float:
    """User + system CPU time of process `root` and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            # Fields after the command name, which may hold spaces: state ppid ... utime stime
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parents[int(entry.name)] = int(fields[1])
            times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier += children
    return sum(times.get(pid, 0.0) for pid in tree)


def server_cores(app: RunningApp) -> float:
    """How many cores the app's processes use over `CPU_WINDOW_S` seconds, from now."""
    before, start = cpu_seconds(app.process.pid), time.monotonic()
    time.sleep(CPU_WINDOW_S)
    return (cpu_seconds(app.process.pid) - before) / (time.monotonic() - start)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else RUNS
    data_dir = Path(tempfile.mkdtemp(prefix="bench-call-"))
    app = start_app(data_dir, {"SHOWROOM_SECRET_KEY": "bench-secret"})
    results: list[tuple[float, float]] = []
    chat: list[float] = []
    try:
        with sync_playwright() as driver:
            customer_ctx = browser(driver, data_dir / "customer")
            staff_ctx = browser(driver, data_dir / "staff")
            customer = customer_ctx.pages[0]
            staff = staff_ctx.pages[0]
            log_in(staff, app)
            for run in range(runs):
                results.append(join_both(customer, staff, app))
                print(f"run {run + 1}: customer {results[-1][0]:.3f} s, "
                      f"staff {results[-1][1]:.3f} s", flush=True)  # fmt: skip
            cores = server_cores(app)
            for page in (customer, staff):
                page.evaluate(WATCH_CHAT)
            chat += chat_latencies(customer, staff, "to-staff")
            chat += chat_latencies(staff, customer, "to-customer")
            customer_ctx.close()
            staff_ctx.close()
    finally:
        stop_app(app)
        shutil.rmtree(data_dir, ignore_errors=True)
    slower = [max(c, s) for c, s in results]
    print(
        json.dumps(
            {
                "first_frame_s": round(statistics.median(slower), 3),
                "first_frame_runs": [round(x, 3) for x in slower],
                "customer_s": [round(c, 3) for c, _ in results],
                "staff_s": [round(s, 3) for _, s in results],
                "chat_p50_ms": round(statistics.median(chat), 1),
                "chat_p95_ms": round(percentile(chat, 0.95), 1),
                "chat_messages": len(chat),
                "runs": runs,
                "server_cpu_cores": round(cores, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
