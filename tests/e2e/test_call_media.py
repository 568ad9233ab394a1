"""The call's media panel in two real Chromiums with fake cameras: lobby, video both ways, mute,
camera, device switch, audio only, reload, second tab, ended call, and a real network drop.

The network drop runs the customer's Chromium in its own network namespace, joined to this
machine by a veth pair: pulling that link down for a few seconds cuts both HTTP and media, as a
Wi-Fi drop would (Playwright's set_offline() does not touch WebRTC's UDP, and tc actions are not
available here).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.sync_api import Page, Playwright, expect

from tests.e2e.app_server import CHROMIUM
from tests.e2e.conftest import (
    ARTIFACTS,
    CALL_FLAGS,
    CHROMIUM_FLAGS,
    ContextFactory,
    RunningApp,
    log_in,
)

NEW_CALL = """
import json
from sqlalchemy import select
from showroom.db import session_scope
from showroom.models import Store
from showroom.settings import get_settings
from consult.calls.consultations import customer_link, start_walk_in
with session_scope() as s:
    store = s.scalars(select(Store).where(Store.slug == "aoyama")).one()
    c = start_walk_in(s, store.id, customer_name="Media test")
    print(json.dumps({"id": c.id, "token": customer_link(get_settings().secret_key, c).token}))
"""
PANEL = "#call-media"


@dataclass
class Call:
    id: int
    token: str


def new_call(app: RunningApp) -> Call:
    data = json.loads(app.python(NEW_CALL))
    return Call(int(data["id"]), str(data["token"]))


def events(app: RunningApp, consultation_id: int) -> list[list[str | None]]:
    out = app.python(
        "import json\nfrom showroom.db import session_scope\n"
        "from consult.calls.events import events_of\n"
        f"with session_scope() as s: print(json.dumps([[e.kind, e.role] for e in "
        f"events_of(s, {consultation_id})]))"
    )
    return [list(e) for e in json.loads(out)]


def wait_for_event(app: RunningApp, call: Call, kind: str, role: str, count: int = 1) -> None:
    deadline = time.monotonic() + 30
    while events(app, call.id).count([kind, role]) < count:
        assert time.monotonic() < deadline, f"no {kind} {role}: {events(app, call.id)}"
        time.sleep(0.5)


def attr(page: Page, name: str) -> str:
    return page.locator(PANEL).get_attribute(name) or ""


def wait_until(page: Page, condition: str, arg: object = None, timeout: float = 30_000) -> None:
    """`condition` is a JS expression over `el` (the panel) and `arg`."""
    page.wait_for_function(
        f"arg => {{ const el = document.querySelector('{PANEL}'); return el && ({condition}); }}",
        arg=arg,
        timeout=timeout,
    )


def sees_the_other_side(page: Page, more_than: int = 10) -> None:
    """Remote frames keep coming and show a picture (the fake camera), not the black filler."""
    wait_until(page, "el.dataset.state === 'connected'")
    start = int(attr(page, "data-remote-frames") or 0)
    wait_until(page, "Number(el.dataset.remoteFrames) >= arg", start + more_than)
    wait_until(page, "Number(el.dataset.remoteLuma) > 24")


def open_lobbies(app: RunningApp, customer: Page, staff: Page, call: Call) -> None:
    customer.goto(f"{app.url}/call/{call.token}")
    log_in(staff, app, "aiko@showroom.example")
    staff.wait_for_url(re.compile(r".*/staff/?$"))  # after a full page load: /staff/
    staff.goto(f"{app.url}/staff/call/{call.id}")
    for page in (customer, staff):
        expect(page.locator("#lobby-join")).to_be_enabled(timeout=30_000)


def call_in_lobbies(
    app: RunningApp, browser_context: ContextFactory, customer_locale: str = "en-GB"
) -> tuple[Call, Page, Page]:
    """A new walk-in call with the customer and Aiko (each in their own browser) in its lobby."""
    call = new_call(app)
    customer = browser_context(locale=customer_locale).pages[0]
    staff = browser_context().pages[0]
    open_lobbies(app, customer, staff, call)
    return call, customer, staff


def test_lobby_then_video_both_ways_with_mute_camera_and_device_switch(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    call, customer, staff = call_in_lobbies(app, browser_context)

    # The lobby: own camera, a moving microphone level, device pickers, nothing blocked.
    lobby = customer.locator("#call-lobby")
    expect(lobby.locator("[data-video='preview']")).to_be_visible()
    customer.wait_for_function(
        "Number(document.querySelector('#lobby-meter').dataset.level) > 0.05"
    )
    expect(customer.locator("#lobby-camera option")).to_have_count(1)
    assert customer.locator("#lobby-mic option").count() >= 2
    expect(customer.locator("#lobby-problem")).to_have_count(0)
    expect(customer.locator("#lobby-join")).to_have_text("Join now")
    ARTIFACTS.mkdir(exist_ok=True)
    customer.screenshot(path=ARTIFACTS / "media-lobby.png")

    customer.locator("#lobby-join").click()
    staff.locator("#lobby-join").click()
    sees_the_other_side(customer)
    sees_the_other_side(staff)
    for page in (customer, staff):
        expect(page.locator("[data-video='local']")).to_be_visible()
        expect(page.locator("#call-quality")).to_have_attribute(
            "data-quality", re.compile("good|fair|poor")
        )
    customer.screenshot(path=ARTIFACTS / "media-call-customer.png")
    staff.screenshot(path=ARTIFACTS / "media-call-staff.png")
    wait_for_event(app, call, "joined", "customer")
    wait_for_event(app, call, "joined", "staff")

    # Mute: the button says so, and staff see it.
    customer.locator("#call-mute").click()
    expect(customer.locator("#call-mute")).to_have_attribute("aria-pressed", "true")
    expect(customer.locator("#call-mute")).to_have_text("Unmute")
    expect(staff.locator("#peer-muted")).to_be_visible(timeout=10_000)
    customer.locator("#call-mute").click()
    expect(staff.locator("#peer-muted")).to_have_count(0, timeout=10_000)

    # Camera off: staff get the black filler and a "camera off" badge; on again: the picture.
    customer.locator("#call-camera").click()
    expect(customer.locator("[data-video='local']")).to_have_count(0)
    expect(staff.locator("#peer-camera-off")).to_be_visible(timeout=10_000)
    wait_until(staff, "Number(el.dataset.remoteLuma) >= 0 && Number(el.dataset.remoteLuma) < 20")
    staff.screenshot(path=ARTIFACTS / "media-peer-camera-off.png")
    customer.locator("#call-camera").click()
    wait_until(staff, "Number(el.dataset.remoteLuma) > 24")
    expect(staff.locator("#peer-camera-off")).to_have_count(0, timeout=10_000)

    # Another microphone, mid-call: same connection, staff keep hearing.
    before_mic, connections = attr(customer, "data-mic-id"), attr(customer, "data-pc-count")
    customer.locator("#call-devices").click()
    options = customer.locator("#call-mic option")
    other = next(
        value for value in options.evaluate_all("os => os.map(o => o.value)") if value != before_mic
    )
    customer.locator("#call-mic").select_option(other)
    wait_until(customer, "el.dataset.micId === arg", other)
    samples = int(attr(staff, "data-remote-audio-samples"))
    wait_until(staff, "Number(el.dataset.remoteAudioSamples) > arg + 48000", samples)
    assert attr(customer, "data-pc-count") == connections  # no new connection for it
    assert attr(customer, "data-state") == "connected"

    # Leave: told so, "left" stored at once.
    customer.locator("#call-leave").click()
    expect(customer.locator("#media-left")).to_have_text("You left the call.")
    wait_for_event(app, call, "left", "customer")
    expect(customer.locator("#call-rejoin")).to_be_visible()


def test_audio_only_never_sends_video(app: RunningApp, browser_context: ContextFactory) -> None:
    call, customer, staff = call_in_lobbies(app, browser_context)

    customer.locator("#lobby-join-audio").click()
    staff.locator("#lobby-join").click()
    wait_until(customer, "el.dataset.state === 'connected'")
    wait_until(staff, "el.dataset.state === 'connected'")
    # No video transceiver at all on the customer's side, so nothing to encode or send...
    assert attr(customer, "data-video-transceivers") == "0"
    assert attr(customer, "data-audio-only") == "true"
    # ...while the audio flows both ways.
    wait_until(customer, "Number(el.dataset.remoteAudioSamples) > 48000")
    wait_until(staff, "Number(el.dataset.remoteAudioSamples) > 48000")
    assert attr(customer, "data-video-sent") == "0"
    expect(customer.locator("[data-video='local']")).to_have_count(0)
    # Staff see that the customer is on audio only rather than a black picture.
    expect(staff.locator("[data-testid='audio-only-stage']")).to_be_visible(timeout=10_000)
    staff.screenshot(path=ARTIFACTS / "media-peer-audio-only.png")
    wait_for_event(app, call, "audio_only", "customer")

    # Staff switch to audio only mid-call: a new connection without video; no reconnection.
    staff.locator("#call-audio-only").click()
    wait_until(staff, "Number(el.dataset.pcCount) >= 2 && el.dataset.state === 'connected'")
    assert attr(staff, "data-video-transceivers") == "0"
    expect(staff.locator("#call-audio-only")).to_have_text("Turn video back on")
    wait_for_event(app, call, "audio_only", "staff")
    samples = int(attr(customer, "data-remote-audio-samples"))
    wait_until(customer, "Number(el.dataset.remoteAudioSamples) > arg + 48000", samples)
    assert ["reconnected", "staff"] not in events(app, call.id)
    customer.screenshot(path=ARTIFACTS / "media-audio-only-call.png")


def test_reload_rejoins_a_second_tab_takes_over_and_an_ended_call_is_refused(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    call, customer, staff = call_in_lobbies(app, browser_context)
    customer.locator("#lobby-join").click()
    staff.locator("#lobby-join").click()
    sees_the_other_side(customer)
    wait_for_event(app, call, "joined", "customer")

    # A reload goes straight back into the call (no lobby) and reads as a reconnection.
    customer.reload()
    expect(customer.locator("#call-lobby")).to_have_count(0)
    sees_the_other_side(customer)
    wait_for_event(app, call, "reconnected", "customer")
    assert ["left", "customer"] not in events(app, call.id)

    # A second tab with the same link: the newest wins, the first is told and can take it back.
    staff_connections = attr(staff, "data-pc-count")
    second = customer.context.new_page()
    second.goto(f"{app.url}/call/{call.token}")
    second.locator("#lobby-join").click()
    sees_the_other_side(second)
    expect(customer.locator("#media-superseded")).to_have_text(
        "This call is now open in another tab or window.", timeout=10_000
    )
    customer.screenshot(path=ARTIFACTS / "media-superseded.png")
    # The old tab does not fight back on its own (it stays told, the new tab stays connected).
    time.sleep(3)
    assert attr(second, "data-state") == "connected"
    customer.locator("#call-take-over").click()
    sees_the_other_side(customer)
    expect(second.locator("#media-superseded")).to_be_visible(timeout=10_000)
    assert attr(staff, "data-pc-count") == staff_connections  # staff kept their connection

    # The consultation ends: the panel says so, and signalling refuses it with a clear code.
    app.python(
        "from showroom.db import session_scope\nfrom consult.calls.consultations import end\n"
        f"with session_scope() as s: end(s, {call.id})"
    )
    # (the page itself may replace the panel with its own notice once it learns of the end)
    expect(customer.locator("#media-ended, #call-ended").first).to_have_text(
        "This consultation has ended.", timeout=15_000
    )
    response = httpx.post(
        f"{app.url}/api/rtc/{call.id}/offer",
        json={"sdp": "v=0\r\nm=audio 9 RTP/AVP 0\r\n", "type": "offer"},
        headers={"Authorization": f"Bearer {call.token}"},
    )
    assert response.status_code == 410 and response.json()["error"] == "call_ended"
    assert response.json()["message"]


def test_a_blocked_camera_is_explained_and_the_call_goes_audio_only(
    app: RunningApp, playwright_driver: Playwright, tmp_path: Path
) -> None:
    call = new_call(app)
    # A fake camera and microphone, but no automatic "allow": only the microphone is granted.
    context = playwright_driver.chromium.launch_persistent_context(
        str(tmp_path / "blocked-camera"),
        executable_path=CHROMIUM,
        headless=True,
        locale="en-GB",
        args=[*CHROMIUM_FLAGS, "--use-fake-device-for-media-stream"],
        viewport={"width": 1280, "height": 800},
    )
    try:
        context.grant_permissions(["microphone"], origin=app.url)
        customer = context.pages[0]
        customer.goto(f"{app.url}/call/{call.token}")
        problem = customer.locator("#lobby-problem")
        expect(problem).to_contain_text("Your browser is blocking the camera.", timeout=30_000)
        expect(problem).to_contain_text("You can still join with audio only.")
        expect(customer.locator("#lobby-join")).to_have_text("Join with audio only")
        expect(customer.locator("#lobby-join-audio")).to_have_count(0)
        customer.wait_for_function(
            "Number(document.querySelector('#lobby-meter').dataset.level) > 0.05"
        )
        customer.screenshot(path=ARTIFACTS / "media-lobby-camera-blocked.png")

        customer.locator("#lobby-join").click()
        wait_until(customer, "el.dataset.state === 'connected'")
        assert attr(customer, "data-audio-only") == "true"
        assert attr(customer, "data-video-transceivers") == "0"
        wait_for_event(app, call, "audio_only", "customer")
    finally:
        context.close()


# --------------------------------------------------------------------------------------------
# A real network drop


NETWORK_SETTLE_S = 2.0


@dataclass
class Island:
    """A network namespace joined to this machine by a veth pair, with a TCP proxy inside it
    from localhost:<port> to the app (the built front end talks to localhost:<port>)."""

    name: str
    host_link: str
    chromium: Path


@contextmanager
def network_island(app: RunningApp, workdir: Path) -> Iterator[Island]:
    port = int(app.url.rsplit(":", 1)[1])
    tag = f"{os.getpid() % 10000}"
    name, host_link, inner_link = f"srm{tag}", f"srm{tag}a", f"srm{tag}b"
    subnet = 16 + os.getpid() % 200
    host_ip, inner_ip = f"10.231.{subnet}.1", f"10.231.{subnet}.2"
    setup = [
        ["ip", "netns", "add", name],
        ["ip", "link", "add", host_link, "type", "veth", "peer", "name", inner_link],
        ["ip", "link", "set", inner_link, "netns", name],
        # No IPv6 on the pair: its addresses would appear a second later, and Chromium drops
        # the requests in flight on any address change (ERR_NETWORK_CHANGED).
        ["sysctl", "-q", "-w", f"net.ipv6.conf.{host_link}.disable_ipv6=1"],
        ["ip", "netns", "exec", name, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"],
        ["ip", "addr", "add", f"{host_ip}/30", "dev", host_link],
        ["ip", "link", "set", host_link, "up"],
        ["ip", "netns", "exec", name, "ip", "addr", "add", f"{inner_ip}/30", "dev", inner_link],
        ["ip", "netns", "exec", name, "ip", "link", "set", inner_link, "up"],
        ["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"],
        ["ip", "netns", "exec", name, "ip", "route", "add", "default", "via", host_ip],
    ]
    proxy: subprocess.Popen[bytes] | None = None
    try:
        for command in setup:
            subprocess.run(command, check=True, capture_output=True)
        proxy = subprocess.Popen(
            ["ip", "netns", "exec", name, sys.executable, "-c", PROXY, str(port), host_ip]
        )
        chromium = workdir / "chromium-in-island"
        chromium.write_text(f'#!/bin/sh\nexec ip netns exec {name} {CHROMIUM} "$@"\n')
        chromium.chmod(0o755)
        # The browsers already running saw the new link: let their network change settle
        # before any page loads (a load in that moment was dropped, about 1 run in 4).
        time.sleep(NETWORK_SETTLE_S)
        yield Island(name, host_link, chromium)
    finally:
        if proxy is not None:
            proxy.kill()
            proxy.wait()
        subprocess.run(["ip", "link", "del", host_link], capture_output=True)
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


PROXY = """
import asyncio, sys
port, host = int(sys.argv[1]), sys.argv[2]
async def pipe(r, w):
    try:
        while data := await r.read(65536):
            w.write(data); await w.drain()
    except Exception:
        pass
    finally:
        w.close()
async def handle(r, w):
    try:
        ur, uw = await asyncio.open_connection(host, port)
    except OSError:
        w.close(); return
    await asyncio.gather(pipe(r, uw), pipe(ur, w))
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", port)
    async with server: await server.serve_forever()
asyncio.run(main())
"""


def test_a_network_drop_of_a_few_seconds_recovers_by_itself(
    app: RunningApp,
    browser_context: ContextFactory,
    playwright_driver: Playwright,
    tmp_path: Path,
) -> None:
    call = new_call(app)
    staff = browser_context().pages[0]
    with network_island(app, tmp_path) as island:
        context = playwright_driver.chromium.launch_persistent_context(
            str(tmp_path / "island-profile"),
            executable_path=str(island.chromium),
            headless=True,
            locale="en-GB",
            args=[*CHROMIUM_FLAGS, *CALL_FLAGS],
            viewport={"width": 1280, "height": 800},
        )
        try:
            customer = context.pages[0]
            open_lobbies(app, customer, staff, call)
            customer.locator("#lobby-join").click()
            staff.locator("#lobby-join").click()
            sees_the_other_side(customer)
            sees_the_other_side(staff)
            wait_for_event(app, call, "joined", "customer")
            staff_connections = attr(staff, "data-pc-count")

            subprocess.run(["ip", "link", "set", island.host_link, "down"], check=True)
            wait_until(customer, "el.dataset.state === 'reconnecting'", timeout=20_000)
            expect(customer.locator("#call-status")).to_have_text("Connection lost. Reconnecting…")
            customer.screenshot(path=ARTIFACTS / "media-reconnecting.png")
            time.sleep(3)
            subprocess.run(["ip", "link", "set", island.host_link, "up"], check=True)

            # The call says so: a short notice on the video and a lasting line in the chat.
            expect(customer.locator("#chat-log")).to_contain_text(
                "Customer · reconnected", timeout=30_000
            )
            customer.screenshot(path=ARTIFACTS / "media-reconnected.png")
            sees_the_other_side(customer)
            sees_the_other_side(staff)
            wait_for_event(app, call, "reconnected", "customer")
            # One loss, one recovery on the same page's call: when the app's websocket came back,
            # Reflex re-rendered the page and the panel was mounted anew; it must take the
            # running call back, not hang up and join again ("left" + a second "reconnected").
            time.sleep(2)
            media = [e for e in events(app, call.id) if e[0] not in ("queued", "accepted")]
            assert sorted(media[:2]) == [["joined", "customer"], ["joined", "staff"]], media
            lost_and_back = [["connection_lost", "customer"], ["reconnected", "customer"]]
            assert media[2:] == lost_and_back, media
            assert int(attr(customer, "data-pc-count")) >= 2  # the same session, a new connection
            assert attr(staff, "data-pc-count") == staff_connections  # staff kept theirs
        finally:
            context.close()
