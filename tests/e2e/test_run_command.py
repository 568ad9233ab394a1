"""The README's run command keeps the app up: a backend killed with `kill -9` answers again,
and localstripe keeps running meanwhile."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.app_server import BUILD_TIMEOUT_S, ROOT, app_env, free_port

# run.sh builds the front end again in .web, under the session app's feet: after every other test.
pytestmark = pytest.mark.rebuilds_front_end

RECOVERY_S = 30  # the target is 5 s; two shared cores here, so the test allows more


def children(pid: int) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                stat = (proc / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(proc.name))
    return found


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_until(check: object, seconds: float) -> float:
    """Seconds until `check()` is true, or AssertionError."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if check():  # type: ignore[operator]
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s")


def serving_process(run_pid: int) -> int:
    """The `python -m showroom.serve` the run command started (Granian's main process)."""
    for pid in children(run_pid):
        if b"showroom.serve" in Path(f"/proc/{pid}/cmdline").read_bytes():
            return pid
    raise AssertionError("no showroom.serve under the run command")


@pytest.fixture
def run_command(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, int]]:
    port, stripe_port = free_port(), free_port()
    env = app_env(tmp_path / "data", port, {"PORT": str(port), "STRIPE_PORT": str(stripe_port)})
    env.pop("STRIPE_API_BASE", None)
    (tmp_path / "data").mkdir()
    log = (tmp_path / "run.log").open("wb")
    process = subprocess.Popen(
        ["scripts/run.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_until(lambda: answers(f"http://127.0.0.1:{port}/api/health"), BUILD_TIMEOUT_S)
        yield process, port, stripe_port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()


def test_a_killed_backend_comes_back_and_localstripe_stays(
    run_command: tuple[subprocess.Popen[bytes], int, int],
) -> None:
    process, port, stripe_port = run_command
    health = f"http://127.0.0.1:{port}/api/health"
    stripe = f"http://127.0.0.1:{stripe_port}/js.stripe.com/v3/"
    assert answers(stripe)
    server = serving_process(process.pid)
    workers = children(server)  # one, or several when Reflex keeps its state in Redis
    worker = workers[0]
    os.kill(worker, signal.SIGKILL)
    wait_until(lambda: not answers(health) or worker not in children(server), 10)
    recovered = wait_until(lambda: answers(health), RECOVERY_S)
    print(f"backend answered again {recovered:.1f} s after kill -9")
    assert process.poll() is None and answers(stripe)
    assert answers(f"http://127.0.0.1:{port}/login/")  # the pages too, not only the API
    wait_until(lambda: len(children(server)) == len(workers), RECOVERY_S)
    assert worker not in children(server)
