"""Recording a call in two real Chromiums: staff start, the customer is asked in their language
and agrees (or declines), both see the badge, the call is recorded without transcoding, and a
supervisor plays it back beside the call's timeline."""

from __future__ import annotations

import json
import time

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, ContextFactory, RunningApp, log_in
from tests.e2e.test_call_media import Call, new_call, open_lobbies, sees_the_other_side

RECORDING_ROWS = """
import json
from sqlalchemy import select
from showroom.db import session_scope
from consult.models import Recording, RecordingConsent
with session_scope() as s:
    rows = s.scalars(select(Recording).where(Recording.consultation_id == {call})).all()
    consents = s.scalars(
        select(RecordingConsent).where(RecordingConsent.consultation_id == {call})).all()
    print(json.dumps({{
        "recordings": [[r.id, r.status, r.duration_s, r.tracks, r.path] for r in rows],
        "consents": [[c.accepted, c.language, c.notice_version, c.recording_id] for c in consents],
    }}))
"""


def stored(app: RunningApp, call: Call) -> dict[str, list[list[object]]]:
    data: dict[str, list[list[object]]] = json.loads(
        app.python(RECORDING_ROWS.format(call=call.id))
    )
    return data


def seconds(text: str) -> int:
    minutes, secs = text.strip().split(":")[-2:]
    return int(minutes) * 60 + int(secs)


def join(customer: Page, staff: Page) -> None:
    customer.locator("#lobby-join").click()
    staff.locator("#lobby-join").click()
    sees_the_other_side(customer)
    sees_the_other_side(staff)


def test_record_consent_badge_and_playback_with_the_timeline(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    call = new_call(app)
    customer = browser_context(locale="ja-JP").pages[0]
    staff = browser_context().pages[0]
    open_lobbies(app, customer, staff, call)
    join(customer, staff)

    # Staff start: nothing is recorded until the customer answers, in Japanese.
    staff.locator("#recording-start").click()
    expect(staff.locator("#recording-asking")).to_be_visible()
    dialog = customer.get_by_role("alertdialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("この通話を録音・録画します")
    expect(dialog).to_contain_text("ショールーム青山")
    expect(dialog).to_contain_text("90日間")
    ARTIFACTS.mkdir(exist_ok=True)
    customer.screenshot(path=ARTIFACTS / "recording-consent-ja.png")
    assert stored(app, call)["recordings"][0][1] == "awaiting_consent"
    assert not list(
        (app.data_dir / "recordings").rglob(f"r{stored(app, call)['recordings'][0][0]}-*")
    )
    dialog.get_by_role("button", name="録音・録画に同意する").click()
    expect(dialog).to_be_hidden()

    # Both sides show the badge, and its time runs.
    for page in (customer, staff):
        expect(page.locator("#recording-badge")).to_be_visible()
    expect(customer.locator("#recording-badge")).to_contain_text("録音・録画中")
    expect(staff.locator("#recording-badge")).to_contain_text("Recording")
    first = seconds(staff.locator("#recording-elapsed").inner_text())
    staff.wait_for_function(
        "s => { const el = document.querySelector('#recording-elapsed');"
        " const [m, x] = el.textContent.split(':'); return Number(m) * 60 + Number(x) >= s; }",
        arg=first + 2,
    )
    expect(staff.locator("#chat-log")).to_contain_text("Recording started")
    started = time.monotonic()

    # They talk and chat; staff push a product card.
    time.sleep(2.0)
    customer.locator("#chat-input").fill("グレーはありますか？")
    customer.locator("#chat-send").click()
    expect(staff.locator("#chat-log").get_by_text("グレーはありますか？")).to_be_visible()
    time.sleep(2.0)
    staff.locator("#product-search").fill("hinoki")
    results = staff.locator("#product-results")
    expect(results.get_by_role("button", name="Show")).to_have_count(1)
    results.get_by_role("button", name="Show").click()
    expect(customer.locator("#chat-log .product-card").last).to_contain_text("ヒノキ")
    time.sleep(3.0)
    staff.screenshot(path=ARTIFACTS / "recording-staff-en.png")

    # The call ends: the recording stops and is finalised.
    staff.locator("#end-call").click()
    recorded = time.monotonic() - started
    expect(staff.locator("#wrap-up")).to_be_visible()
    deadline = time.monotonic() + 20
    while stored(app, call)["recordings"][0][1] != "complete":
        assert time.monotonic() < deadline, stored(app, call)
        time.sleep(0.5)
    data = stored(app, call)
    recording_id, _status, duration, tracks, _path = data["recordings"][0]
    assert isinstance(duration, float) and abs(duration - recorded) < 2.5, (duration, recorded)
    assert isinstance(tracks, dict) and set(tracks) == {"customer", "staff"}
    assert data["consents"] == [[True, "ja", 1, recording_id]]
    assert not list((app.data_dir / "recordings").rglob("*.part"))

    # A supervisor opens the library, then the recording.
    supervisor = browser_context().pages[0]
    log_in(supervisor, app, "yuki@showroom.example")
    supervisor.wait_for_url("**/supervisor")
    supervisor.locator("#recordings-link").click()
    row = supervisor.locator(f"[data-recording='{recording_id}']")
    expect(row).to_be_visible()
    expect(row).to_contain_text("Media test")
    expect(row).to_contain_text("Agreed")
    supervisor.screenshot(path=ARTIFACTS / "recordings-library-en.png")
    row.get_by_role("link", name="Play").click()
    player = supervisor.locator("#recording-player")
    expect(player).to_have_attribute("data-ready", "1", timeout=20_000)
    shown = float(player.get_attribute("data-duration") or 0)
    assert abs(shown - recorded) < 2.5, (shown, recorded)
    # Both sides decode: play a moment and read the decoders' counters.
    supervisor.locator("video[data-role='customer']").evaluate("v => v.play()")
    supervisor.wait_for_function(
        "() => [...document.querySelectorAll('#recording-player video')].every("
        "v => v.webkitVideoDecodedByteCount > 0 && v.webkitAudioDecodedByteCount > 0"
        " && v.videoWidth > 0)",
        timeout=15_000,
    )
    supervisor.locator("video[data-role='customer']").evaluate("v => v.pause()")
    # Clicking the chat line seeks there, and it is highlighted.
    line = supervisor.locator(
        "#recording-timeline [data-kind='chat']", has_text="グレーはありますか？"
    )
    at = float(line.get_attribute("data-at") or -1)
    assert 1.0 < at < recorded
    line.click()
    supervisor.wait_for_function(
        "at => Math.abs(Number(document.querySelector('#recording-player').dataset.time) - at)"
        " < 0.5",
        arg=at,
    )
    expect(line).to_have_attribute("aria-current", "true")
    card_line = supervisor.locator("#recording-timeline [data-kind='card']")
    expect(card_line).to_contain_text("Product card")
    assert float(card_line.get_attribute("data-at") or 0) > at
    # The other side follows the same clock (its file may start a little later).
    offsets = {
        side["role"]: side["offset"]
        for side in json.loads(
            app.python(
                "import json\nfrom showroom.db import session_scope\n"
                "from consult.models import Recording\n"
                f"with session_scope() as s: r = s.get(Recording, {recording_id}); "
                "print(json.dumps([{'role': k, 'offset': v['offset_s']} "
                "for k, v in r.tracks.items()]))"
            )
        )
    }
    supervisor.wait_for_function(
        "want => Math.abs(document.querySelector(\"video[data-role='staff']\").currentTime"
        " - want) < 0.3",
        arg=at - offsets["staff"],
    )
    supervisor.screenshot(path=ARTIFACTS / "recording-player-en.png")
