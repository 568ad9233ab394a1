"""End-to-end: the real app (production build) started once per session, driven by Chromium.

The app gets its own data dir, SQLite database, media dir, localstripe and SMTP server, so a
developer's running instance and data are untouched.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, sync_playwright

from consult.localstripe_server import register_webhook

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-unsafe-swiftshader",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]
BUILD_TIMEOUT_S = 900
WEBHOOK_SECRET = "whsec_e2e_tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class RunningApp:
    url: str
    env: dict[str, str]
    data_dir: Path

    def python(self, code: str) -> str:
        """Run a snippet against the app's database (e.g. to read what a test stored)."""
        result = subprocess.run(
            [sys.executable, "-c", code],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return result.stdout.strip()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + BUILD_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited while starting:\n{log.read_text()[-4000:]}")
        try:
            if (
                httpx.get(f"{url}/api/health", timeout=2).status_code == 200
                and httpx.get(url, timeout=5).status_code == 200
            ):
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise TimeoutError(f"the app did not start in {BUILD_TIMEOUT_S} s:\n{log.read_text()[-4000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the app and everything it started (its own process group), even if it died."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="session")
def app(
    tmp_path_factory: pytest.TempPathFactory, localstripe_url: str, smtp_server: Any
) -> Iterator[RunningApp]:
    data_dir = tmp_path_factory.mktemp("app-data")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SHOWROOM_DATA_DIR": str(data_dir),
        "SHOWROOM_MEDIA_DIR": str(data_dir / "media"),
        "DATABASE_URL": f"sqlite:///{data_dir / 'showroom.db'}",
        "SHOWROOM_SECRET_KEY": "e2e-secret-key",
        "SHOWROOM_PUBLIC_URL": url,
        "STRIPE_API_BASE": localstripe_url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_server.port),
        "PATH": f"{ROOT / '.tools/node_modules/.bin'}:{Path(sys.executable).parent}:{os.environ['PATH']}",
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
    }
    env.pop("STRIPE_SECRET_KEY", None)
    subprocess.run(
        [sys.executable, "-m", "showroom.seed"],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=300,
        capture_output=True,
    )
    register_webhook(localstripe_url, f"{url}/api/stripe/webhook", WEBHOOK_SECRET)
    log = data_dir / "app.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "reflex",
                "run",
                "--env",
                "prod",
                "--single-port",
                "--backend-port",
                str(port),
                "--loglevel",
                "info",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_up(url, process, log)
        yield RunningApp(url, env, data_dir)
    finally:
        _stop(process)
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(log, ARTIFACTS / "app.log")


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


ContextFactory = Callable[..., BrowserContext]


@pytest.fixture
def browser_context(
    playwright_driver: Playwright, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[ContextFactory]:
    """Makes fresh Chromium profiles (one per simulated person) with a fake camera and mic."""
    contexts: list[BrowserContext] = []

    def make(locale: str = "en-GB", extra_args: list[str] | None = None) -> BrowserContext:
        profile = tmp_path / f"profile-{len(contexts)}"
        context = playwright_driver.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            locale=locale,
            args=[*CHROMIUM_FLAGS, *(extra_args or [])],
            viewport={"width": 1280, "height": 800},
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context

    yield make
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for number, context in enumerate(contexts):
            for page_number, page in enumerate(context.pages):
                page.screenshot(path=ARTIFACTS / f"{request.node.name}-{number}-{page_number}.png")
    for context in contexts:
        context.close()


@pytest.fixture
def page(browser_context: ContextFactory) -> Page:
    context = browser_context()
    return context.pages[0] if context.pages else context.new_page()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


def log_in(page: Page, app: RunningApp, email: str, password: str = "showroom-demo") -> None:
    page.goto(f"{app.url}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("button[type=submit]").click()
