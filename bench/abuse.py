"""Abuse from outside, against the running app: what it costs the server.

Starts the app (production build, its own data dir and temp dir), then, as an attacker's
client would:
  1. an anonymous 1 GiB upload to /_upload (declared length, then chunked without one),
  2. a 200 MiB body to the Stripe webhook (declared, then chunked),
  3. 30 wrong passwords for one account,
  4. a 16384x8192 single-colour PNG panorama uploaded by the supervisor in Chromium,
and measures the disk the server wrote (its temp dir, data dir and Reflex's upload dir,
sampled while each request runs) and the memory of the app's processes (the sum of their
RSS, sampled every 20 ms). The last line printed is one JSON object:

    upload_disk_mb     disk the anonymous 1 GiB upload left or used at its peak (<= 10)
    webhook_mem_mb     peak memory growth while the 200 MiB webhook body was sent (<= 20)
    login_throttled    the 30th wrong login was answered by the throttle (429)
    tile_mem_after_mb  memory growth once the 16K panorama was tiled (<= 50)

    .venv/bin/python bench/abuse.py [--skip-tile]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import select
import shutil
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.app_server import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_FLAGS,
    RunningApp,
    start_app,
    stop_app,
)

MB = 1_000_000
MIB = 1024 * 1024
IMPORT_HANDLER = (
    "reflex___state____state.showroom___pages___admin_catalogue____admin_catalogue_state"
    ".import_file"
)


# Measuring -------------------------------------------------------------------------------------


TILER = b"showroom.tours.panorama.jobs"  # the child process a panorama is tiled in


def app_rss(app: RunningApp, *, tiler: bool | None = None) -> int:
    """Bytes resident in the app's process group: all of it, only the tiling child
    (`tiler=True`) or all but it (`tiler=False`)."""
    total = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            pgrp = int(stat.rsplit(")", 1)[1].split()[2])
            if pgrp != app.process.pid:
                continue
            if tiler is not None and (TILER in (proc / "cmdline").read_bytes()) != tiler:
                continue
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            continue
    return total


def disk_use(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        for root, _dirs, files in os.walk(path):
            for name in files:
                with contextlib.suppress(OSError):
                    total += os.lstat(os.path.join(root, name)).st_blocks * 512
    return total


@contextlib.contextmanager
def peak_of(measure: Callable[[], int], every_s: float = 0.02) -> Iterator[dict[str, int]]:
    """Samples `measure` in a thread while the block runs: {"before", "peak", "after"}."""
    result = {"before": measure(), "peak": 0, "after": 0}
    result["peak"] = result["before"]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            result["peak"] = max(result["peak"], measure())
            time.sleep(every_s)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield result
    finally:
        done.set()
        thread.join()
        result["after"] = measure()
        result["peak"] = max(result["peak"], result["after"])


# An attacker's client ----------------------------------------------------------------------


def post_streaming(
    app: RunningApp, path: str, headers: dict[str, str], total: int, *, chunked: bool
) -> tuple[int, int]:
    """POST `total` bytes, sending until the server answers; (status, bytes sent)."""
    host, port = app.url.removeprefix("http://").split(":")
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}"]
    lines.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}")
    lines += [f"{name}: {value}" for name, value in headers.items()]
    block = b"x" * (256 * 1024)
    frame = f"{len(block):x}\r\n".encode() + block + b"\r\n" if chunked else block
    sent, answer = 0, b""
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        sock.setblocking(False)
        pending = b""
        while sent < total:
            readable, writable, _ = select.select([sock], [sock], [], 30)
            if readable or not writable:
                break
            if not pending:
                pending = frame
            try:
                n = sock.send(pending)
            except BlockingIOError:
                continue
            except OSError:
                break
            pending = pending[n:]
            sent += n
        sock.settimeout(30)
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in answer and (data := sock.recv(65536)):
                answer += data
    status = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    return (int(status.group(1)) if status else 0), sent


# The probes --------------------------------------------------------------------------------


def anonymous_upload(app: RunningApp, watched: list[Path]) -> dict[str, Any]:
    headers = {
        "Reflex-Client-Token": str(uuid.uuid4()),
        "Reflex-Event-Handler": IMPORT_HANDLER,
        "Content-Type": "multipart/form-data; boundary=abuse",
    }
    runs = {}
    for chunked in (False, True):
        with peak_of(lambda: disk_use(watched), 0.05) as disk, peak_of(lambda: app_rss(app)) as mem:
            status, sent = post_streaming(app, "/_upload", headers, 1024 * MIB, chunked=chunked)
        runs["chunked" if chunked else "declared"] = {
            "status": status,
            "sent_mb": round(sent / MB, 1),
            "disk_peak_mb": round((disk["peak"] - disk["before"]) / MB, 2),
            "mem_peak_mb": round((mem["peak"] - mem["before"]) / MB, 1),
        }
    return runs


def big_webhook(app: RunningApp) -> dict[str, Any]:
    headers = {"Content-Type": "application/json", "Stripe-Signature": "t=1,v1=0"}
    runs = {}
    for chunked in (False, True):
        time.sleep(1)
        with peak_of(lambda: app_rss(app)) as mem:
            status, sent = post_streaming(
                app, "/api/stripe/webhook", headers, 200 * MIB, chunked=chunked
            )
        runs["chunked" if chunked else "declared"] = {
            "status": status,
            "sent_mb": round(sent / MB, 1),
            "mem_peak_mb": round((mem["peak"] - mem["before"]) / MB, 1),
        }
    return runs


def wrong_logins(app: RunningApp, count: int = 30) -> dict[str, Any]:
    statuses, started = [], time.monotonic()
    with httpx.Client(base_url=app.url, timeout=30) as client:
        for attempt in range(count):
            answer = client.post(
                "/api/session/login",
                data={"email": "ken@showroom.example", "password": f"guess-{attempt}"},
                headers={"accept": "application/json", "accept-language": "en"},
            )
            statuses.append(answer.status_code)
    return {
        "statuses": statuses,
        "first_throttled": statuses.index(429) + 1 if 429 in statuses else None,
        "seconds": round(time.monotonic() - started, 2),
        "last_message": answer.json().get("message", ""),
    }


def panorama_png(path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (16384, 8192), (180, 170, 150)).save(path, "PNG", optimize=True)


def tile_16k(app: RunningApp, work: Path) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    source = work / "plain-16k.png"
    panorama_png(source)
    with sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            str(work / "profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(120_000)
        page.goto(f"{app.url}/login")
        page.get_by_label("Email").fill("yuki@showroom.example")
        page.get_by_label("Password").fill("showroom-demo")
        page.locator("button[type=submit]").click()
        page.wait_for_url(re.compile(r".*/supervisor/?$"))
        page.goto(f"{app.url}/admin")
        page.locator("#panorama-upload input[type=file]").set_input_files(str(source))
        time.sleep(3)
        before = app_rss(app)
        with (
            peak_of(lambda: app_rss(app), 0.05) as mem,
            peak_of(lambda: app_rss(app, tiler=False), 0.05) as server,
            peak_of(lambda: app_rss(app, tiler=True), 0.05) as child,
        ):
            page.locator("#upload-button").click()
            status = wait_for_job(app)
            time.sleep(3)  # let the worker settle
        context.close()
    return {
        "source_kb": round(source.stat().st_size / 1000, 1),
        "job": status,
        "decoded_mb": round(16384 * 8192 * 3 / MB),
        "rss_before_mb": round(before / MB),
        "peak_growth_mb": round((mem["peak"] - before) / MB),
        "server_peak_growth_mb": round((server["peak"] - server["before"]) / MB),
        "child_peak_mb": round(child["peak"] / MB),
        "after_growth_mb": round((mem["after"] - before) / MB),
    }


def wait_for_job(app: RunningApp, timeout_s: float = 600) -> str:
    code = (
        "from sqlalchemy import select\nfrom showroom.db import session_scope\n"
        "from showroom.models import PanoramaJob\nwith session_scope() as s:\n"
        "    job = s.scalars(select(PanoramaJob).order_by(PanoramaJob.id.desc())).first()\n"
        "    print(job.status if job else 'none')"
    )
    deadline = time.monotonic() + timeout_s
    status = "none"
    while time.monotonic() < deadline:
        status = app.python(code)
        if status in ("done", "failed"):
            return status
        time.sleep(1)
    return status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-tile", action="store_true", help="leave out the 16K panorama")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="showroom-abuse-"))
    temp = work / "tmp"
    temp.mkdir()
    app = start_app(work / "data", {"TMPDIR": str(temp)})
    report: dict[str, Any] = {}
    try:
        watched = [temp, work / "data", ROOT / "uploaded_files"]
        report["upload"] = anonymous_upload(app, watched)
        report["webhook"] = big_webhook(app)
        report["login"] = wrong_logins(app)
        if not args.skip_tile:
            report["tile"] = tile_16k(app, work)
    finally:
        stop_app(app)
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(report, indent=2))
    summary = {
        "upload_disk_mb": max(r["disk_peak_mb"] for r in report["upload"].values()),
        "webhook_mem_mb": max(r["mem_peak_mb"] for r in report["webhook"].values()),
        "login_throttled": report["login"]["statuses"][-1] == 429,
        "tile_mem_after_mb": report["tile"]["after_growth_mb"] if "tile" in report else None,
        "upload_statuses": [r["status"] for r in report["upload"].values()],
        "webhook_statuses": [r["status"] for r in report["webhook"].values()],
        "first_throttled_login": report["login"]["first_throttled"],
        "tile_server_peak_mb": report["tile"]["server_peak_growth_mb"]
        if "tile" in report
        else None,
        "tile_child_peak_mb": report["tile"]["child_peak_mb"] if "tile" in report else None,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
