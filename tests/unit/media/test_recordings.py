"""Recordings in the database: consent first, states, access, library, timeline, retention."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.calls import guide
from consult.calls.consultations import end, post_message, start_walk_in
from consult.calls.events import events_of
from consult.calls.presence import set_presence
from consult.calls.queue import accept
from consult.calls.transfer import transfer
from consult.commerce.cart import add_to_cart
from consult.media import recordings
from consult.media.recordings import LibraryFilter, RecordingError, Viewer
from consult.models import Consultation, Recording, RecordingConsent, RecordingDeletion
from showroom.db import utcnow
from showroom.models import Store
from tests import factories


def live_call(session: Session) -> tuple[int, int, int]:
    """(store id, staff id, consultation id) of an answered walk-in call."""
    store = factories.store(session)
    aiko = factories.staff(session, store)
    call = start_walk_in(session, store.id)
    accept(session, call.id, aiko.id, store.id)
    return store.id, aiko.id, call.id


def finish(session: Session, recording: Recording, seconds: float = 60.0) -> None:
    recordings.started(session, recording)
    recordings.stop_request(session, recording.consultation_id, None)
    tracks = {
        role: {"file": f"r{recording.id}-{role}.webm", "offset_s": 0.2, "duration_s": seconds,
               "size_bytes": 1000, "video": True, "audio": True}
        for role in ("customer", "staff")
    }  # fmt: skip
    recordings.finished(session, recording.id, tracks)


def test_asking_writes_nothing_until_the_customer_accepts(session: Session) -> None:
    _store_id, staff_id, call_id = live_call(session)
    recording = recordings.request(session, call_id, staff_id)
    assert recording.status == "awaiting_consent" and recording.path.endswith(f"r{recording.id}")
    with pytest.raises(RecordingError, match=r"recording\.already"):
        recordings.request(session, call_id, staff_id)
    recording, consent = recordings.answer(session, call_id, recording.id, accepted=True, lang="en")
    assert recording.status == "awaiting_consent"  # the desk starts it
    assert consent.accepted and consent.notice_version == 1 and consent.language == "en"
    assert "Showroom Aoyama (aiko)" in consent.notice_text and "90 days" in consent.notice_text
    recordings.started(session, recording)
    assert recording.status == "recording"
    finish(session, recording)
    assert recording.status == "complete" and recording.duration_s == 60.2
    assert recording.size_bytes == 2000
    kinds = [e.kind for e in events_of(session, call_id)]
    assert kinds[-2:] == ["recording_started", "recording_stopped"]


def test_a_decline_stores_the_answer_and_the_call_goes_on(session: Session) -> None:
    _store_id, staff_id, call_id = live_call(session)
    recording = recordings.request(session, call_id, staff_id)
    recording, consent = recordings.answer(
        session, call_id, recording.id, accepted=False, lang="ja"
    )
    assert recording.status == "declined" and not consent.accepted and consent.language == "ja"
    assert "ショールーム青山" in consent.notice_text
    assert events_of(session, call_id)[-1].kind == "recording_declined"
    assert recordings.current(session, call_id) is None
    with pytest.raises(RecordingError, match=r"recording\.no_longer_asked"):
        recordings.answer(session, call_id, recording.id, accepted=True, lang="ja")
    # Staff may ask again later.
    assert recordings.request(session, call_id, staff_id).status == "awaiting_consent"


def test_answers_for_another_call_and_requests_from_others_are_refused(session: Session) -> None:
    store_id, staff_id, call_id = live_call(session)
    other_call = start_walk_in(session, store_id)
    recording = recordings.request(session, call_id, staff_id)
    with pytest.raises(RecordingError, match=r"recording\.not_this_call"):
        recordings.answer(session, other_call.id, recording.id, accepted=True, lang="en")
    with pytest.raises(RecordingError, match=r"recording\.not_this_call"):
        recordings.answer(session, call_id, 9999, accepted=True, lang="en")
    store = session.get(factories.Store, store_id)
    assert store is not None
    ken = factories.staff(session, store, email="ken@example.com")
    with pytest.raises(PermissionError):
        recordings.request(session, call_id, ken.id)  # not his call
    with pytest.raises(PermissionError):
        recordings.stop_request(session, call_id, ken.id)
    with pytest.raises(PermissionError):
        recordings.request(session, other_call.id, staff_id)  # still waiting, not his
    end(session, call_id)
    with pytest.raises(RecordingError, match=r"recording\.call_not_live"):
        recordings.request(session, call_id, staff_id)
    consents = session.scalars(select(RecordingConsent)).all()
    assert consents == []


def test_the_store_may_ask_on_every_call_but_not_again_after_a_no(session: Session) -> None:
    store_id, staff_id, call_id = live_call(session)
    assert not recordings.auto_ask(session, call_id, store_id)  # off by default
    recordings.save_policy(
        session, store_id, purpose_en="", purpose_ja="", retention_days=90,
        auto_start=True, staff_see_own=True, staff_may_download=False,
    )  # fmt: skip
    assert recordings.auto_ask(session, call_id, store_id)
    recording = recordings.request(session, call_id, staff_id)
    assert not recordings.auto_ask(session, call_id, store_id)  # already asking
    recordings.answer(session, call_id, recording.id, accepted=False, lang="en")
    assert not recordings.auto_ask(session, call_id, store_id)  # they said no: not again


def test_stop_without_a_start_is_refused(session: Session) -> None:
    _store_id, staff_id, call_id = live_call(session)
    with pytest.raises(RecordingError, match=r"recording\.not_started"):
        recordings.stop_request(session, call_id, staff_id)
    recording = recordings.request(session, call_id, staff_id)
    stopped = recordings.stop_request(session, call_id, staff_id)  # before the answer: lapses
    assert stopped.id == recording.id and stopped.status == "declined"


def test_the_notice_follows_the_store_purpose_and_its_version(session: Session) -> None:
    store_id, _staff_id, call_id = live_call(session)
    before = recordings.notice(session, call_id, "en")
    assert before["version"] == 1 and "train our staff" in before["purpose"]
    recordings.save_policy(
        session, store_id, purpose_en="For quality", purpose_ja="品質のため", retention_days=30,
        auto_start=False, staff_see_own=True, staff_may_download=False,
    )  # fmt: skip
    recordings.save_policy(
        session, store_id, purpose_en="For disputes", purpose_ja="紛争対応のため",
        retention_days=30, auto_start=True, staff_see_own=True, staff_may_download=False,
    )  # fmt: skip
    after = recordings.notice(session, call_id, "ja")
    assert after["version"] == 2 and after["purpose"] == "紛争対応のため" and after["days"] == "30"
    with pytest.raises(RecordingError, match=r"recording\.retention_invalid"):
        recordings.save_policy(
            session, store_id, purpose_en="", purpose_ja="", retention_days=0,
            auto_start=False, staff_see_own=True, staff_may_download=False,
        )  # fmt: skip
    with pytest.raises(RecordingError, match=r"recording\.purpose_too_long"):
        recordings.save_policy(
            session, store_id, purpose_en="x" * 1001, purpose_ja="", retention_days=5,
            auto_start=False, staff_see_own=True, staff_may_download=False,
        )  # fmt: skip


def test_who_sees_which_recording(session: Session) -> None:
    store_id, staff_id, call_id = live_call(session)
    store = session.get(factories.Store, store_id)
    assert store is not None
    ken = factories.staff(session, store, email="ken@example.com")
    boss = factories.staff(session, store, email="boss@example.com", role="supervisor")
    other_store = factories.store(session, slug="ginza")
    foreign = factories.staff(session, other_store, email="x@example.com", role="supervisor")
    recording = recordings.request(session, call_id, staff_id)
    finish(session, recording)
    aiko_v = Viewer(staff_id, store_id, "staff")
    ken_v = Viewer(ken.id, store_id, "staff")
    boss_v = Viewer(boss.id, store_id, "supervisor")
    foreign_v = Viewer(foreign.id, other_store.id, "supervisor")
    assert recordings.viewable(session, aiko_v, recording.id) is recording
    assert recordings.viewable(session, boss_v, recording.id) is recording
    for viewer in (ken_v, foreign_v):
        with pytest.raises(LookupError):
            recordings.viewable(session, viewer, recording.id)
    assert [r["id"] for r in recordings.library(session, ken_v, LibraryFilter(), "en")] == []
    assert len(recordings.library(session, boss_v, LibraryFilter(), "en")) == 1
    # After a transfer, the colleague who took over sees it too.
    set_presence(session, ken.id, "available")
    transfer(session, call_id, staff_id, ken.id, "")
    assert recordings.may_view(session, ken_v, recording)
    assert recordings.may_view(session, aiko_v, recording)  # handed over, still hers to see
    # A store that does not let staff play their calls.
    recordings.save_policy(
        session, store_id, purpose_en="", purpose_ja="", retention_days=90,
        auto_start=False, staff_see_own=False, staff_may_download=False,
    )  # fmt: skip
    assert not recordings.may_view(session, aiko_v, recording)
    assert recordings.library(session, aiko_v, LibraryFilter(), "en") == []
    assert recordings.may_download(session, boss_v) and not recordings.may_download(session, aiko_v)


def test_library_filters_and_rows(session: Session) -> None:
    store_id, staff_id, call_id = live_call(session)
    recording = recordings.request(session, call_id, staff_id)
    recordings.answer(session, call_id, recording.id, accepted=True, lang="ja")
    finish(session, recording, seconds=125)
    boss = Viewer(staff_id, store_id, "supervisor")
    [row] = recordings.library(session, boss, LibraryFilter(), "en")
    assert row["duration"] == "2:05" and row["participants"] == "Customer · aiko"
    assert row["consent"].startswith("Agreed ") and row["consent"].endswith(" · v1 · ja")
    assert not row["interrupted"] and not row["order"]
    today = utcnow().date()
    assert recordings.library(session, boss, LibraryFilter(since=today, until=today), "en")
    tomorrow = today + timedelta(days=1)
    assert recordings.library(session, boss, LibraryFilter(since=tomorrow), "en") == []
    assert recordings.library(session, boss, LibraryFilter(staff_id=staff_id + 99), "en") == []
    assert recordings.library(session, boss, LibraryFilter(outcome="sold"), "en") == []
    assert recordings.library(session, boss, LibraryFilter(outcome="none"), "en")
    assert recordings.library(session, boss, LibraryFilter(order="with"), "en") == []
    assert recordings.library(session, boss, LibraryFilter(order="without"), "en")


def test_the_timeline_gives_seconds_into_the_recording(session: Session) -> None:
    _store_id, staff_id, call_id = live_call(session)
    recording = recordings.request(session, call_id, staff_id)
    recordings.started(session, recording)
    message = post_message(session, call_id, "customer", "Is it in grey?")
    message.created_at = recording.started_at + timedelta(seconds=12.5)
    before = post_message(session, call_id, "staff", "said before recording")
    before.created_at = recording.started_at - timedelta(seconds=5)
    recordings.stop_request(session, call_id, staff_id)
    recording.ended_at = recording.started_at + timedelta(seconds=60)
    recordings.finished(session, recording.id, {})
    lines = recordings.timeline(session, recording, "en")
    chat = [line for line in lines if line["kind"] == "chat"]
    assert chat == [
        {"key": f"m{message.id}", "at": 12.5, "clock": "0:12", "kind": "chat",
         "who": "Customer", "text": "Is it in grey?"}
    ]  # fmt: skip
    assert any(line["text"] == "Recording started" for line in lines)


def test_the_timeline_shows_cart_changes_and_guided_tour_steps(session: Session) -> None:
    store_id, staff_id, call_id = live_call(session)
    store = session.get(Store, store_id)
    assert store is not None
    living = factories.scene(session, store, "living")
    lamp = factories.product(session, "LAMP-002", 18000, name_en="Lamp", name_ja="ランプ")
    factories.stock(session, store, lamp, 3)
    recording = recordings.request(session, call_id, staff_id)
    recordings.started(session, recording)
    recording.started_at -= timedelta(seconds=30)  # the changes below come 30 s in
    add_to_cart(session, call_id, lamp.id, lang="en", by="customer")
    guide.start(session, call_id, staff_id, living.id, seq=1)
    guide.move(session, call_id, staff_id, living.id, seq=2)
    lines = recordings.timeline(session, recording, "en")
    assert {"kind": "cart", "who": "Customer", "text": "Cart: Lamp × 1"}.items() <= next(
        line for line in lines if line["kind"] == "cart"
    ).items()
    texts = [line["text"] for line in lines]
    assert "Guided tour started" in texts
    call = session.get(Consultation, call_id)
    assert call is not None
    scene = living.name_ja if call.language == "ja" else living.name_en  # the call's language
    assert f"Guided tour moved: {scene}" in texts


def test_signed_media_links_expire_and_name_one_viewer(tmp_path: Path) -> None:
    url = recordings.sign_media("key", 5, "customer", 7, now=1000.0)
    query = dict(part.split("=") for part in url.split("?")[1].split("&"))
    assert url.startswith("/api/recordings/5/customer.webm?") and query["use"] == "inline"
    assert int(query["exp"]) == 1000 + 15 * 60

    def ok(**changes: object) -> bool:
        args: dict[str, object] = {"recording_id": 5, "role": "customer", "staff_id": 7,
                                   "now": 1000.0, **changes}  # fmt: skip
        return recordings.check_media_signature(
            "key", args["recording_id"], args["role"], args["staff_id"],  # type: ignore[arg-type]
            expires=query["exp"], use=query["use"], signature=query["sig"],
            now=args["now"],  # type: ignore[arg-type]
        )  # fmt: skip

    assert ok()
    assert not ok(now=1000.0 + 15 * 60 + 1)  # expired
    assert not ok(staff_id=8) and not ok(recording_id=6) and not ok(role="staff")
    long = recordings.sign_media("key", 5, "customer", 7, now=1000.0, ttl_s=3600)
    assert "exp=1900" in long  # never longer than 15 minutes


def test_retention_deletes_old_media_and_logs_it_except_on_hold(
    session: Session, tmp_path: Path
) -> None:
    store_id, staff_id, call_id = live_call(session)
    old, held = (recordings.request(session, call_id, staff_id), None)
    finish(session, old)
    folder = tmp_path / old.path
    folder.parent.mkdir(parents=True)
    for role in ("customer", "staff"):
        (folder.parent / f"r{old.id}-{role}.webm").write_bytes(b"webm")
    held = recordings.request(session, call_id, staff_id)
    finish(session, held)
    boss = Viewer(staff_id, store_id, "supervisor")
    recordings.set_legal_hold(session, boss, held.id, True)
    with pytest.raises(PermissionError):
        recordings.set_legal_hold(session, Viewer(staff_id, store_id, "staff"), held.id, False)
    later = utcnow() + timedelta(days=91)
    assert recordings.apply_retention(session, tmp_path, now=utcnow()) == 0
    assert recordings.apply_retention(session, tmp_path, now=later) == 1
    assert old.status == "deleted" and held.status == "complete"
    assert not list(folder.parent.glob("*.webm"))
    [entry] = session.scalars(select(RecordingDeletion)).all()
    assert entry.recording_id == old.id and entry.staff_id is None
    assert entry.reason == "retention: 90 days"
    with pytest.raises(RecordingError, match=r"recording\.on_hold"):
        recordings.delete_now(session, tmp_path, boss, held.id, "customer asked")
    recordings.set_legal_hold(session, boss, held.id, False)
    with pytest.raises(RecordingError, match=r"recording\.reason_required"):
        recordings.delete_now(session, tmp_path, boss, held.id, "  ")
    with pytest.raises(PermissionError):
        recordings.delete_now(session, tmp_path, Viewer(staff_id, store_id, "staff"), held.id, "x")
    entry = recordings.delete_now(session, tmp_path, boss, held.id, "customer asked")
    assert entry.staff_id == staff_id and held.status == "deleted"
    log = recordings.deletions(session, store_id)
    assert [d["reason"] for d in log] == ["customer asked", "retention: 90 days"]


def test_media_paths_stay_inside_the_recordings_directory(session: Session, tmp_path: Path) -> None:
    _store_id, staff_id, call_id = live_call(session)
    recording = recordings.request(session, call_id, staff_id)
    finish(session, recording)
    target = tmp_path / recording.path
    target.parent.mkdir(parents=True)
    (target.parent / f"r{recording.id}-customer.webm").write_bytes(b"x")
    assert recordings.media_path(tmp_path, recording, "customer") is not None
    assert recordings.media_path(tmp_path, recording, "staff") is None  # no file
    assert recordings.media_path(tmp_path, recording, "../etc") is None
    recording.tracks = {"customer": {"file": "../../../../etc/passwd"}}
    assert recordings.media_path(tmp_path, recording, "customer") is None
