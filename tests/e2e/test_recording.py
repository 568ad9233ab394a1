"""Recording a call in two real Chromiums: staff start, the customer is asked in their language
and agrees (or declines), both see the badge, the call is recorded without transcoding, and a
supervisor plays it back beside the call's timeline."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.app_server import kill_and_restart
from tests.e2e.conftest import ARTIFACTS, ContextFactory, RunningApp, log_in
from tests.e2e.test_call_media import Call, call_in_lobbies, sees_the_other_side

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
    call, customer, staff = call_in_lobbies(app, browser_context, customer_locale="ja-JP")
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
    dialog.get_by_role("button", name="録音・録画に同意する").click(no_wait_after=True)
    expect(dialog).to_be_hidden()

    # Both sides show the badge, and its time runs.
    expect(staff.locator("#recording-badge")).to_be_visible()
    started = time.monotonic()
    expect(customer.locator("#recording-badge")).to_be_visible()
    expect(customer.locator("#recording-badge")).to_contain_text("録音・録画中")
    expect(staff.locator("#recording-badge")).to_contain_text("Recording")
    first = seconds(staff.locator("#recording-elapsed").inner_text())
    staff.wait_for_function(
        "s => { const el = document.querySelector('#recording-elapsed');"
        " const [m, x] = el.textContent.split(':'); return Number(m) * 60 + Number(x) >= s; }",
        arg=first + 2,
    )
    expect(staff.locator("#chat-log")).to_contain_text("Recording started")
    for page, name in ((customer, "customer-ja"), (staff, "staff-en")):
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=ARTIFACTS / f"recording-badge-phone-{name}.png")
        page.set_viewport_size({"width": 1280, "height": 800})

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
    supervisor.wait_for_url(re.compile(r".*/supervisor/?$"))
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


def test_a_declined_recording_writes_nothing_and_the_call_goes_on(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    call, customer, staff = call_in_lobbies(app, browser_context)
    join(customer, staff)
    staff.locator("#recording-start").click()
    dialog = customer.get_by_role("alertdialog")
    expect(dialog).to_contain_text("This call will be recorded")
    customer.screenshot(path=ARTIFACTS / "recording-consent-en.png")
    dialog.get_by_role("button", name="Decline").click(no_wait_after=True)
    expect(customer.locator("#recording-you-declined")).to_be_visible()
    expect(staff.locator("#recording-declined")).to_contain_text("declined")
    for page in (customer, staff):
        expect(page.locator("#recording-badge")).to_have_count(0)
    sees_the_other_side(staff)  # the call goes on
    data = stored(app, call)
    recording_id = data["recordings"][0][0]
    assert data["recordings"][0][1] == "declined"
    assert data["consents"] == [[False, "en", 1, recording_id]]
    assert not list((app.data_dir / "recordings").rglob(f"r{recording_id}-*"))
    # Staff may ask again; a customer who reloads while recording is asked again.
    staff.locator("#recording-start").click()
    customer.get_by_role("alertdialog").get_by_role("button", name="Accept recording").click(
        no_wait_after=True
    )
    expect(staff.locator("#recording-badge")).to_be_visible()
    customer.reload()
    again = customer.get_by_role("alertdialog")
    expect(again).to_contain_text("This call is being recorded")
    again.get_by_role("button", name="Accept recording").click(no_wait_after=True)
    expect(again).to_be_hidden()
    sees_the_other_side(customer)  # a reload during a call rejoins by itself
    expect(customer.locator("#recording-badge")).to_be_visible()
    # A supervisor who steps in while it records is told so, and sees it stop.
    supervisor = browser_context().pages[0]
    log_in(supervisor, app, "yuki@showroom.example")
    supervisor.wait_for_url(re.compile(r".*/supervisor/?$"))
    supervisor.goto(f"{app.url}/supervisor/call/{call.id}")
    expect(supervisor.locator("#recording-badge")).to_contain_text("Recording")
    expect(supervisor.locator("#recording-late-notice")).to_contain_text("is being recorded")
    supervisor.screenshot(path=ARTIFACTS / "recording-supervisor-en.png")
    supervisor.set_viewport_size({"width": 390, "height": 844})
    supervisor.locator("#language-switch").click()
    expect(supervisor.locator("#recording-late-notice")).to_contain_text("録音・録画中です")
    supervisor.screenshot(path=ARTIFACTS / "recording-supervisor-ja-390.png")
    staff.locator("#recording-stop").click()
    for page in (staff, customer, supervisor):
        expect(page.locator("#recording-badge")).to_have_count(0)
    expect(supervisor.locator("#recording-late-notice")).to_have_count(0)
    expect(staff.locator("#chat-log")).to_contain_text("Recording stopped")
    deadline = time.monotonic() + 20
    while stored(app, call)["recordings"][-1][1] != "complete":
        assert time.monotonic() < deadline, stored(app, call)
        time.sleep(0.5)
    consents = stored(app, call)["consents"]
    assert [c[0] for c in consents] == [False, True, True]  # the reload was asked again
    expect(staff.locator("#chat-log")).to_contain_text("declined recording")


def test_a_server_killed_while_recording_leaves_a_playable_seekable_recording(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    call, customer, staff = call_in_lobbies(app, browser_context)
    join(customer, staff)
    staff.locator("#recording-start").click()
    customer.get_by_role("alertdialog").get_by_role("button", name="Accept recording").click(
        no_wait_after=True
    )
    expect(staff.locator("#recording-badge")).to_be_visible()
    started = time.monotonic()
    time.sleep(8.0)
    killed = kill_and_restart(app)
    recorded = killed - started
    # The restarted app finalised what was on disk and marked the recording "interrupted".
    data = stored(app, call)
    recording_id, status, duration, tracks, _path = data["recordings"][0]
    assert status == "interrupted", data
    assert isinstance(tracks, dict) and set(tracks) == {"customer", "staff"}
    assert isinstance(duration, float) and abs(duration - recorded) < 2.0, (duration, recorded)
    assert not list((app.data_dir / "recordings").rglob("*.part"))

    supervisor = browser_context().pages[0]
    log_in(supervisor, app, "yuki@showroom.example")
    supervisor.wait_for_url(re.compile(r".*/supervisor/?$"))
    supervisor.goto(f"{app.url}/recordings")
    row = supervisor.locator(f"[data-recording='{recording_id}']")
    expect(row.locator(".interrupted")).to_be_visible()
    row.get_by_role("link", name="Play").click()
    player = supervisor.locator("#recording-player")
    expect(player).to_have_attribute("data-ready", "1", timeout=20_000)
    shown = float(player.get_attribute("data-duration") or 0)
    assert abs(shown - recorded) < 2.0, (shown, recorded)
    # It seeks: the file has cues and a duration (a killed WebM has neither).
    video = supervisor.locator("video[data-role='customer']")
    result = video.evaluate(
        """v => new Promise(resolve => {
            v.addEventListener('seeked', () => resolve({
                duration: v.duration, time: v.currentTime,
                seekable: v.seekable.length ? v.seekable.end(0) : 0,
            }), {once: true});
            v.currentTime = v.duration / 2;
        })"""
    )
    assert result["duration"] != float("inf") and result["seekable"] > recorded - 2.5, result
    assert abs(result["time"] - result["duration"] / 2) < 1.0, result
    supervisor.screenshot(path=ARTIFACTS / "recording-interrupted-en.png")


MADE_RECORDING = """
import json
from pathlib import Path
from sqlalchemy import select
from showroom.db import session_scope
from showroom.models import StaffMember, Store
from showroom.settings import get_settings
from consult.calls.consultations import start_walk_in, end
from consult.calls.queue import accept
from consult.media import recordings
from consult.media.desk import track_info
from consult.media.recorder import ParticipantFile, finalise
from tests.unit.media.recording_media import opus_packets, vp8_frames
with session_scope() as s:
    store = s.scalars(select(Store).where(Store.slug == "aoyama")).one()
    mia = s.scalars(select(StaffMember).where(StaffMember.email == "mia@showroom.example")).one()
    c = start_walk_in(s, store.id, customer_name="Library test")
    accept(s, c.id, mia.id, store.id)
    r = recordings.request(s, c.id, mia.id)
    recordings.answer(s, c.id, r.id, accepted=True, lang="en")
    recordings.started(s, r)
    recordings.stop_request(s, c.id, mia.id)
    clock = [0.0]
    path = get_settings().recordings_dir / (r.path + "-customer.webm")
    f = ParticipantFile(path, video=True, audio=True, clock=lambda: clock[0])
    for i, (v, a) in enumerate(zip(vp8_frames(90), opus_packets(90), strict=False)):
        clock[0] = i / 30
        f.write("video", v, i * 3000, clock[0])
        f.write("audio", a, i * 960, clock[0])
    f.close()
    done = finalise(f.part_path)
    recordings.finished(s, r.id, {"customer": track_info(done, 0.0)})
    c.outcome = "sold"
    end(s, c.id)
    print(json.dumps({"id": r.id, "file": str(done.path)}))
"""


def test_library_filters_rules_hold_and_delete(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    made = json.loads(app.python(MADE_RECORDING))
    supervisor = browser_context().pages[0]
    log_in(supervisor, app, "yuki@showroom.example")
    supervisor.wait_for_url(re.compile(r".*/supervisor/?$"))
    supervisor.goto(f"{app.url}/recordings")
    row = supervisor.locator(f"[data-recording='{made['id']}']")
    expect(row).to_contain_text("Library test")
    expect(row.locator(".recording-duration")).to_have_text("0:03")
    # Filters: by staff member, outcome and order, with the real selects.
    supervisor.locator("#filter-staff").select_option(label="Mia Tanaka")
    supervisor.locator("#filter-outcome").select_option("sold")
    supervisor.locator("#filter-apply").click()
    expect(supervisor.locator("#recordings-table tbody tr")).to_have_count(1)
    expect(row).to_be_visible()
    supervisor.locator("#filter-order").select_option("with")
    supervisor.locator("#filter-apply").click()
    expect(supervisor.locator("#recordings-empty")).to_be_visible()
    supervisor.locator("#filter-order").select_option("")
    supervisor.locator("#filter-since").fill("2020-01-01")
    supervisor.locator("#filter-until").fill("2020-01-31")
    supervisor.locator("#filter-apply").click()
    expect(supervisor.locator("#recordings-empty")).to_be_visible()
    # The store's rules: purpose and retention, shown to customers from now on.
    supervisor.locator("#rules-purpose-en").fill("So we can settle disagreements about an order.")
    supervisor.locator("#rules-retention").fill("0")
    supervisor.locator("#rules-save").click()  # the browser refuses it: 1 to 3650 days
    expect(supervisor.locator("#rules-retention:invalid")).to_have_count(1)
    expect(supervisor.get_by_text("Saved.")).to_have_count(0)
    supervisor.locator("#rules-retention").fill("30")
    supervisor.locator("#rules-save").click()
    expect(supervisor.get_by_text("Saved.")).to_be_visible()
    supervisor.set_viewport_size({"width": 390, "height": 844})
    supervisor.screenshot(path=ARTIFACTS / "recordings-library-phone-en.png", full_page=True)
    supervisor.set_viewport_size({"width": 1280, "height": 800})

    # Legal hold blocks deletion; released, delete now with a reason, and it is logged.
    supervisor.goto(f"{app.url}/recordings/{made['id']}")
    expect(supervisor.locator("#recording-player")).to_have_attribute("data-ready", "1")
    supervisor.locator("#recording-hold").click()
    expect(supervisor.locator("#recording-hold")).to_have_text("Release legal hold")
    supervisor.locator("#delete-reason").fill("The customer asked")
    supervisor.locator("#recording-delete").click()
    expect(supervisor.get_by_role("alert")).to_contain_text("legal hold")
    supervisor.locator("#recording-hold").click()
    expect(supervisor.locator("#recording-hold")).to_have_text("Put on legal hold")
    supervisor.locator("#delete-reason").fill("The customer asked")
    supervisor.locator("#recording-delete").click()
    expect(supervisor.locator("#recording-deleted")).to_be_visible()
    assert not Path(made["file"]).exists()
    supervisor.goto(f"{app.url}/recordings")
    expect(supervisor.locator("#deletion-log")).to_contain_text("The customer asked")
    expect(supervisor.locator(f"[data-recording='{made['id']}']")).to_contain_text("Deleted")

    # A member of staff sees only their own calls' recordings, and no store rules.
    staff = browser_context().pages[0]
    log_in(staff, app, "ken@showroom.example")
    staff.wait_for_url(re.compile(r".*/staff/?$"))
    staff.goto(f"{app.url}/recordings")
    expect(staff.locator("#recordings-empty")).to_be_visible()
    expect(staff.locator(f"[data-recording='{made['id']}']")).to_have_count(0)
    expect(staff.locator("#rules-save")).to_have_count(0)
    staff.goto(f"{app.url}/recordings/{made['id']}")
    expect(staff.locator("#recording-error")).to_contain_text("No such recording")
    staff.locator("#language-switch").click()
    expect(staff.locator("#recording-error")).to_contain_text("録画が見つからないか")
    staff.set_viewport_size({"width": 390, "height": 844})
    staff.goto(f"{app.url}/recordings")
    expect(staff.locator("#recordings-empty")).to_contain_text("該当する録画はありません")
    staff.screenshot(path=ARTIFACTS / "recordings-library-phone-ja.png", full_page=True)
