"""Run `localstripe` (a fake Stripe API server) for the offline demo and for tests.

localstripe 1.15.10 hard-codes its state file to `/tmp/localstripe.pickle` (no option, not
affected by cwd or TMPDIR) and binds every interface (`::`). So we do not run its own
`localstripe` command: the child process here imports it, points its store at a state file of
our choosing (or none: memory only), and binds 127.0.0.1 only. Parallel instances never share a
file, and nothing listens beyond this machine.

Webhook registrations live in localstripe's memory only: register again after every start.

CLI (used by the app's run script; runs in the foreground until stopped):

    python -m consult.commerce.localstripe_server --port 8420 \
        --webhook-url http://127.0.0.1:3000/api/stripe/webhook
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import pickle
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Any

import httpx

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PORT = 8420
DEFAULT_WEBHOOK_ID = "showroom"
_READY = "LOCALSTRIPE_READY"


class LocalStripeError(RuntimeError):
    pass


# -- parent side: start, wait, register, stop ----------------------------------------------------


class LocalStripe:
    """A running localstripe child process. Use as a context manager or call `stop()`."""

    def __init__(self, process: subprocess.Popen[bytes], host: str, port: int) -> None:
        self.process = process
        self.host = host
        self.port = port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def register_webhook(
        self,
        url: str,
        secret: str,
        events: Sequence[str] | None = None,
        webhook_id: str = DEFAULT_WEBHOOK_ID,
    ) -> None:
        register_webhook(self.url, url, secret, events, webhook_id=webhook_id)

    def stop(self, timeout: float = 5.0) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        if self.process.stdout is not None:
            self.process.stdout.close()

    def __enter__(self) -> LocalStripe:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_localstripe(
    port: int = 0,
    *,
    host: str = "127.0.0.1",
    state_file: Path | None = None,
    from_scratch: bool = False,
    log_file: Path | None = None,
    startup_timeout: float = 20.0,
) -> LocalStripe:
    """Start localstripe in a child process and return once it answers HTTP.

    `port=0` picks a free port (the child binds it and reports it: no race). `state_file=None`
    keeps all state in memory; otherwise state is loaded from (unless `from_scratch`) and saved
    to that file.
    """
    cmd = [sys.executable, "-m", "consult.commerce.localstripe_server", "--serve", "--host", host]
    cmd += ["--port", str(port)]
    if state_file is not None:
        cmd += ["--state-file", str(state_file)]
    if from_scratch:
        cmd.append("--from-scratch")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    stderr: IO[bytes] | None = None
    if log_file is not None:
        stderr = open(log_file, "ab")  # noqa: SIM115 (handed to the child, closed below)
    try:
        # The child exits when its stdin closes, i.e. when this process goes away (even killed).
        process = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.PIPE
        )
    finally:
        if stderr is not None:
            stderr.close()
    server = LocalStripe(process, host, port)
    try:
        server.port = _read_ready_port(process, startup_timeout)
        wait_until_ready(server.url, timeout=startup_timeout)
    except BaseException:
        server.stop()
        raise
    log.info("localstripe listening at %s (pid %d)", server.url, process.pid)
    return server


def _read_ready_port(process: subprocess.Popen[bytes], timeout: float) -> int:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    fd = process.stdout.fileno()
    buf = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            buf += chunk
            for line in buf.decode(errors="replace").splitlines():
                if line.startswith(_READY + " "):
                    return int(line.split()[1])
        elif process.poll() is not None:
            break
    code = process.poll()
    raise LocalStripeError(
        f"localstripe did not start (exit code {code}); output: {buf.decode(errors='replace')!r}"
    )


def wait_until_ready(api_base: str, timeout: float = 20.0) -> None:
    """Poll localstripe's unauthenticated fake Stripe.js route until it answers 200."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    with httpx.Client(trust_env=False, timeout=2.0) as client:
        while time.monotonic() < deadline:
            try:
                if client.get(f"{api_base}/js.stripe.com/v3/").status_code == 200:
                    return
            except httpx.TransportError as exc:
                last = exc
            time.sleep(0.05)
    raise LocalStripeError(f"localstripe at {api_base} did not answer within {timeout}s: {last}")


def register_webhook(
    api_base: str,
    url: str,
    secret: str,
    events: Sequence[str] | None = None,
    *,
    webhook_id: str = DEFAULT_WEBHOOK_ID,
    timeout: float = 5.0,
) -> None:
    """`POST /_config/webhooks/{id}`: localstripe then POSTs signed events to `url`.

    `events=None` means every event type. Registering the same id again replaces it.
    """
    body: dict[str, Any] = {"url": url, "secret": secret}
    if events is not None:
        body["events"] = list(events)
    with httpx.Client(trust_env=False, timeout=timeout) as client:
        r = client.post(f"{api_base}/_config/webhooks/{webhook_id}", json=body)
    if r.status_code != 200:
        raise LocalStripeError(f"webhook registration refused ({r.status_code}): {r.text}")


# -- child side: the server itself ---------------------------------------------------------------


def _use_state_file(path: Path | None) -> None:
    """Point localstripe's store at `path` (None: keep state in memory only)."""
    from localstripe import resources

    def load(store: dict[str, Any]) -> None:
        if path is None or not path.exists():
            return
        with open(path, "rb") as f:
            old = pickle.load(f)  # our own file, written below
        store.clear()
        store.update(old)

    def dump(store: dict[str, Any]) -> None:
        if path is None:
            return
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            pickle.dump(dict(store), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)

    resources.Store.try_load_from_disk = load
    resources.Store.dump_to_disk = dump


def _like_stripe(app: Any) -> None:
    """Two things Stripe does that localstripe 1.15.10 does not, which the app relies on.

    - **Idempotency keys.** Stripe answers a repeated `Idempotency-Key` with the first answer
      (a retried request never charges or refunds twice) and refuses the key with other
      parameters; localstripe ignores the header. Answers are kept in memory per key; a request
      arriving while the first is still running waits for it.
    - **Refund events.** Stripe sends `refund.created` and `charge.refunded` when a refund is
      made; localstripe sends none, so the app's refund webhook could not be exercised offline.

    What localstripe still cannot do (tested behind the gateway interface instead): decline
    codes other than `card_declined`, pending or failed refunds, 3-D Secure challenges other
    than its own confirm/cancel dialog, and redelivery of a webhook that failed.
    """
    from aiohttp import web
    from localstripe import resources
    from localstripe.webhooks import schedule_webhook

    answers: dict[str, tuple[str, bytes, int, bytes, str]] = {}
    running: dict[str, asyncio.Lock] = {}

    @web.middleware
    async def idempotency(request: web.Request, handler: Any) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key:
            return await handler(request)  # type: ignore[no-any-return]
        body = await request.read()
        async with running.setdefault(key, asyncio.Lock()):
            if key in answers:
                path, sent, status, answer, content_type = answers[key]
                if (path, sent) != (request.path, body):
                    return web.json_response(
                        {"error": {"type": "idempotency_error", "message": "Keys for "
                                   "idempotent requests can only be used with the same "
                                   "parameters they were first used with."}},
                        status=400,
                    )  # fmt: skip
                return web.Response(status=status, body=answer, content_type=content_type)
            response = await handler(request)
            if isinstance(response, web.Response) and response.status < 500:
                answer = response.body if isinstance(response.body, bytes) else b""
                answers[key] = (request.path, body, response.status, answer,
                                response.content_type)  # fmt: skip
            return response  # type: ignore[no-any-return]

    app.middlewares.insert(0, idempotency)

    create = resources.Refund._api_create.__func__

    def create_refund(cls: Any, **data: Any) -> Any:
        refund = create(cls, **data)
        schedule_webhook(resources.Event("refund.created", refund))
        schedule_webhook(resources.Event("charge.refunded", resources.Charge._api_retrieve(refund.charge)))  # fmt: skip
        return refund

    resources.Refund._api_create = classmethod(create_refund)


def serve(host: str, port: int, state_file: Path | None, from_scratch: bool) -> None:
    """Run localstripe in this process (blocking) on host:port; prints the ready line."""
    _use_state_file(state_file)
    from aiohttp import web
    from localstripe import resources, server

    _like_stripe(server.app)

    if state_file is not None:
        if from_scratch:
            state_file.unlink(missing_ok=True)
        else:
            resources.store.try_load_from_disk()

    access = logging.getLogger("aiohttp.access")
    access.setLevel(logging.INFO)
    access.addHandler(logging.StreamHandler(sys.stderr))

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    print(f"{_READY} {sock.getsockname()[1]}", flush=True)
    # Nothing else goes to stdout: the parent stops reading it.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    server.app.on_startup.append(_exit_with_parent)
    web.run_app(server.app, sock=sock, print=None, access_log=access, shutdown_timeout=2.0)


async def _exit_with_parent(_app: object) -> None:
    """Stop (as on SIGTERM) once stdin reaches EOF: the parent has closed it or died."""
    fd = sys.stdin.fileno()
    loop = asyncio.get_running_loop()

    def on_input() -> None:
        try:
            data = os.read(fd, 1024)
        except OSError:
            data = b""
        if not data:
            loop.remove_reader(fd)
            os.kill(os.getpid(), signal.SIGTERM)

    loop.add_reader(fd, on_input)


# -- CLI -----------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m consult.commerce.localstripe_server",
        description="Run localstripe on 127.0.0.1 and register the app's Stripe webhook with it.",
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--webhook-url", help="e.g. http://127.0.0.1:3000/api/stripe/webhook")
    p.add_argument("--webhook-secret", help="default: STRIPE_WEBHOOK_SECRET from the settings")
    p.add_argument(
        "--webhook-events",
        help="comma-separated event types (default: those the app handles; 'all' for every one)",
    )
    state = p.add_mutually_exclusive_group()
    state.add_argument(
        "--state-file", type=Path, help="default: <data dir>/localstripe.pickle (kept across runs)"
    )
    state.add_argument("--memory", action="store_true", help="keep no state on disk")
    p.add_argument("--from-scratch", action="store_true", help="forget the saved state first")
    p.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # the child process
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.serve:
        serve(args.host, args.port, args.state_file, args.from_scratch)
        return 0

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    def _stop(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    # Before the child starts, so a stop request never leaves it behind.
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGHUP, _stop)
    from showroom.settings import get_settings

    settings = get_settings()
    state_file: Path | None = None
    if not args.memory:
        state_file = args.state_file or settings.data_dir / "localstripe.pickle"
    server = start_localstripe(
        args.port, host=args.host, state_file=state_file, from_scratch=args.from_scratch
    )
    try:
        if args.webhook_url:
            events: list[str] | None
            if args.webhook_events == "all":
                events = None
            elif args.webhook_events:
                events = [e.strip() for e in args.webhook_events.split(",") if e.strip()]
            else:
                from consult.commerce.webhooks import HANDLED_EVENTS

                events = sorted(HANDLED_EVENTS)
            server.register_webhook(
                args.webhook_url,
                args.webhook_secret or settings.stripe_webhook_secret,
                events,
            )
            log.info("webhook %s registered for %s", args.webhook_url, events or "all events")
        log.info("localstripe ready at %s (state: %s)", server.url, state_file or "memory")
        return server.process.wait()
    except KeyboardInterrupt:
        return 130
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
