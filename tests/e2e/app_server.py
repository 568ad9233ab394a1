"""Start and stop the real app (production build) in its own data dir: for e2e tests and benches."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT_S = 900
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Headless Chromium here: no background traffic to hosts this machine cannot reach, and
# WebGL 2 in software (SwiftShader) for Photo Sphere Viewer.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-unsafe-swiftshader",
    # Chromium looks up Google hosts (accounts, clients2) despite the flags above: no name but
    # the machine's own resolves, so nothing is even asked of a DNS server.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class RunningApp:
    url: str
    env: dict[str, str]
    data_dir: Path
    process: subprocess.Popen[bytes]
    log: Path

    def python(self, code: str) -> str:
        """Run a snippet against the app's database (e.g. to read what a test stored)."""
        result = subprocess.run([sys.executable, "-c", code], env=self.env, cwd=ROOT,
                                capture_output=True, text=True, check=True, timeout=60)  # fmt: skip
        return result.stdout.strip()


def app_env(data_dir: Path, port: int, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "SHOWROOM_DATA_DIR": str(data_dir),
        "SHOWROOM_MEDIA_DIR": str(data_dir / "media"),
        "DATABASE_URL": f"sqlite:///{data_dir / 'showroom.db'}",
        "SHOWROOM_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "PATH": f"{ROOT / '.tools/node_modules/.bin'}:{Path(sys.executable).parent}:{os.environ['PATH']}",
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        **(extra or {}),
    }
    env.pop("STRIPE_SECRET_KEY", None)
    return env


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


def _serve(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "reflex", "run", "--env", "prod", "--single-port",
             "--backend-port", str(port), "--loglevel", "info"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def start_app(data_dir: Path, extra_env: dict[str, str] | None = None) -> RunningApp:
    """Seed a fresh demo store in `data_dir` and serve the app on a free port."""
    port = free_port()
    env = app_env(data_dir, port, extra_env)
    subprocess.run([sys.executable, "-m", "showroom.seed"], env=env, cwd=ROOT, check=True,
                   timeout=300, capture_output=True)  # fmt: skip
    log = data_dir / "app.log"
    log.write_bytes(b"")
    process = _serve(port, env, log)
    app = RunningApp(f"http://127.0.0.1:{port}", env, data_dir, process, log)
    try:
        _wait_until_up(app.url, process, log)
    except BaseException:
        stop_app(app)
        raise
    return app


def kill_and_restart(app: RunningApp) -> float:
    """`kill -9` the app (all its processes), then start it again on the same port and data.
    The same `app` object refers to the new process afterwards. Returns when it was killed
    (time.monotonic())."""
    os.killpg(app.process.pid, signal.SIGKILL)
    killed = time.monotonic()
    app.process.wait(timeout=10)
    port = int(app.url.rsplit(":", 1)[1])
    process = _serve(port, app.env, app.log)
    object.__setattr__(app, "process", process)  # stop_app must stop the new one
    _wait_until_up(app.url, process, app.log)
    return killed


def stop_app(app: RunningApp) -> None:
    """Stop the app and everything it started (its own process group), even if it died."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
        try:
            os.killpg(app.process.pid, sig)
        except ProcessLookupError:
            return
        try:
            app.process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
