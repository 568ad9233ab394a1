"""The recording desk with a real call (aiortc peers through the media registry) and a real
database: consent first, a late joiner held until they agree again, a full disk stopping the
recording with a message to staff while the call goes on, and recovery after a crash."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.applications import Starlette

from consult.calls.consultations import start_walk_in
from consult.calls.queue import accept
from consult.media import recordings
from consult.media.desk import RecordingDesk
from consult.media.recorder import ParticipantFile
from consult.media.registry import MediaRegistry
from consult.media.rtc_api import rtc_routes
from consult.models import Recording
from showroom import db
from tests import factories
from tests.integration.media.test_rtc import Client, authorize, sees, until
from tests.unit.media.recording_media import opus_packets, vp8_frames

Published = list[tuple[int, dict[str, Any]]]


@pytest.fixture
def call(app_db: Engine) -> tuple[int, int]:
    """(consultation id, staff id) of a live call; the consultation id is 1, the test's CALL."""
    with Session(app_db, expire_on_commit=False) as session:
        store = factories.store(session)
        aiko = factories.staff(session, store)
        consultation = start_walk_in(session, store.id)
        accept(session, consultation.id, aiko.id, store.id)
        session.commit()
        return consultation.id, aiko.id


@pytest.fixture
async def plane(
    tmp_path: Path, call: tuple[int, int]
) -> AsyncIterator[tuple[MediaRegistry, RecordingDesk, Published, httpx.AsyncClient]]:
    registry = MediaRegistry([], unload_grace=0.2)
    published: Published = []

    async def publish(consultation_id: int, payload: dict[str, Any]) -> None:
        published.append((consultation_id, payload))

    desk = RecordingDesk(registry, tmp_path / "recordings", publish)
    transport = httpx.ASGITransport(app=Starlette(routes=rtc_routes(registry, authorize)))
    async with httpx.AsyncClient(transport=transport, base_url="http://showroom.test") as http:
        yield registry, desk, published, http
    await desk.close()
    await registry.close_all()


@pytest.fixture(autouse=True)
def call_id(call: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    """The test clients post their offers to /api/rtc/{CALL}/offer: this test's call."""
    import tests.integration.media.test_rtc as rtc

    monkeypatch.setattr(rtc, "CALL", call[0])


async def connect(http: httpx.AsyncClient, consultation_id: int) -> list[Client]:
    clients = [Client(http, "staff"), Client(http, "customer")]
    for client in clients:
        await client.join(session=f"{client.role}-1")
    await until(sees(clients[0], "red", 10), what="staff sees the customer")
    await until(sees(clients[1], "blue", 10), what="customer sees staff")
    return clients


def states(published: Published) -> list[str]:
    return [str(p["state"]) for _, p in published]


async def test_consent_then_recording_then_stop(
    plane: tuple[MediaRegistry, RecordingDesk, Published, httpx.AsyncClient],
    call: tuple[int, int],
    tmp_path: Path,
) -> None:
    registry, desk, published, http = plane
    consultation_id, staff_id = call
    clients = await connect(http, consultation_id)
    try:
        recording_id = await desk.ask(consultation_id, staff_id)
        await asyncio.sleep(1.0)
        assert registry.recorder_of(consultation_id) is None  # nothing before the answer
        assert not list((tmp_path / "recordings").rglob("*.webm*"))
        assert await desk.answer(consultation_id, recording_id, accepted=True, lang="en") == (
            "recording"
        )
        await asyncio.sleep(3.0)
        await desk.stop(consultation_id, staff_id)
    finally:
        for client in clients:
            await client.close()
    assert states(published) == ["asking", "recording", "off"]
    with db.session_scope() as session:
        recording = session.get(Recording, recording_id)
        assert recording is not None and recording.status == "complete"
        assert set(recording.tracks) == {"customer", "staff"}
        assert 2.0 < (recording.duration_s or 0) < 4.5
        for role in ("customer", "staff"):
            path = recordings.media_path(tmp_path / "recordings", recording, role)
            assert path is not None and path.stat().st_size > 1000
    with pytest.raises(recordings.RecordingError, match=r"recording\.not_started"):
        await desk.stop(consultation_id, staff_id)  # a stop without a start


async def test_a_late_joiner_is_held_until_they_agree_and_a_refusal_stops_it(
    plane: tuple[MediaRegistry, RecordingDesk, Published, httpx.AsyncClient],
    call: tuple[int, int],
) -> None:
    registry, desk, published, http = plane
    consultation_id, staff_id = call
    clients = await connect(http, consultation_id)
    try:
        recording_id = await desk.ask(consultation_id, staff_id)
        await desk.answer(consultation_id, recording_id, accepted=True, lang="en")
        await asyncio.sleep(1.5)
        recorder = registry.recorder_of(consultation_id)
        assert recorder is not None
        before = recorder.files["customer"].stats.packets
        await desk.customer_arrived(consultation_id)  # the customer's page reloaded
        await asyncio.sleep(1.0)
        held = recorder.files["customer"].stats.packets
        await asyncio.sleep(1.0)
        assert before > 0
        assert recorder.files["customer"].stats.packets == held  # not recorded meanwhile
        assert recorder.files["staff"].stats.packets > 0
        await desk.answer(consultation_id, recording_id, accepted=True, lang="ja")
        await asyncio.sleep(1.5)
        assert recorder.files["customer"].stats.packets > held  # recorded again
        await desk.customer_arrived(consultation_id)
        assert await desk.answer(consultation_id, recording_id, accepted=False, lang="ja") == (
            "declined"
        )
        assert registry.recorder_of(consultation_id) is None
    finally:
        for client in clients:
            await client.close()
    assert states(published)[-2:] == ["off", "declined"]
    with db.session_scope() as session:
        recording = session.get(Recording, recording_id)
        assert recording is not None and recording.status == "complete"


async def test_a_full_disk_stops_recording_and_tells_staff_while_the_call_goes_on(
    plane: tuple[MediaRegistry, RecordingDesk, Published, httpx.AsyncClient],
    call: tuple[int, int],
    tmp_path: Path,
) -> None:
    registry, desk, published, http = plane
    consultation_id, staff_id = call
    clients = await connect(http, consultation_id)
    try:
        recording_id = await desk.ask(consultation_id, staff_id)
        with db.session_scope() as session:
            stem = session.get(Recording, recording_id).path  # type: ignore[union-attr]
        folder = tmp_path / "recordings" / Path(stem).parent
        folder.mkdir(parents=True)
        (folder / f"{Path(stem).name}-customer.webm.part").symlink_to("/dev/full")
        await desk.answer(consultation_id, recording_id, accepted=True, lang="en")
        await until(lambda: "failed" in states(published), timeout=10, what="failed")
        await until(lambda: registry.recorder_of(consultation_id) is None, what="stopped")
        seen = clients[0].colours[0]["red"]
        await until(sees(clients[0], "red", seen + 20), what="the call goes on")
    finally:
        for client in clients:
            await client.close()
    failure = next(p for _, p in published if p["state"] == "failed")
    assert "space" in str(failure["message"]).lower()
    with db.session_scope() as session:
        recording = session.get(Recording, recording_id)
        assert recording is not None and recording.status == "failed"
        assert "space" in recording.error.lower()


async def test_recovery_finalises_what_a_crash_left_and_marks_it_interrupted(
    plane: tuple[MediaRegistry, RecordingDesk, Published, httpx.AsyncClient],
    call: tuple[int, int],
    tmp_path: Path,
) -> None:
    _registry, desk, _published, _http = plane
    consultation_id, staff_id = call
    with db.session_scope() as session:
        recording = recordings.request(session, consultation_id, staff_id)
        recordings.started(session, recording)
        stem, recording_id = recording.path, recording.id
    folder = tmp_path / "recordings" / Path(stem).parent
    for role, offset in (("customer", 0.0), ("staff", 0.4)):
        clock = [100.0 + offset]
        file = ParticipantFile(folder / f"{Path(stem).name}-{role}.webm", video=True,
                               audio=True, clock=lambda c=clock: c[0])  # type: ignore[misc]  # fmt: skip
        for i, (video, audio) in enumerate(zip(vp8_frames(60), opus_packets(60), strict=False)):
            clock[0] = 100.0 + offset + i / 30
            file.write("video", video, i * 3000, clock[0])
            file.write("audio", audio, i * 960, clock[0])
        file._out.close()  # type: ignore[union-attr]  # as if killed after the last flush
        file._out = None
    (folder / f"{Path(stem).name}.json").write_text(
        '{"offsets_s": {"customer": 0.0, "staff": 0.4}}'
    )
    assert await desk.recover() == 2
    with db.session_scope() as session:
        recovered = session.get(Recording, recording_id)
        assert recovered is not None and recovered.status == "interrupted"
        assert recovered.tracks["staff"]["offset_s"] == 0.4
        assert 2.0 < (recovered.duration_s or 0) < 2.6
    assert not list(folder.glob("*.part"))
