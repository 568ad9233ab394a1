"""The recording desk: runs recordings in the process that holds the calls' media.

It joins the database side (`consult.media.recordings`) and the media side
(`consult.media.recorder`): staff ask, the customer answers, only then a `CallRecorder` starts
on the call's room; stop closes and finalises the files off the event loop and stores what
they hold. Every change is published on the call's topic as `{"kind": "recording", ...}`
so both pages update at once, and stored as a call event where people should see it.

One desk per process (`install` at start-up, `get_desk` from pages). With several backend
workers the desk lives with the media (see the note on scale-out in DESIGN.md). No Reflex here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from consult.calls.consultations import chat_topic
from consult.calls.events import events_of
from consult.media import recordings
from consult.media.recorder import (
    CallRecorder,
    Finalised,
    RecordingWriteError,
    finalise,
    read_offsets,
    recover,
    seal,
)
from consult.media.registry import MediaRegistry
from consult.models import Recording
from showroom.db import session_scope
from showroom.pubsub import get_broker

logger = logging.getLogger(__name__)

Publish = Callable[[int, dict[str, Any]], Awaitable[None]]
RETENTION_EVERY_S = 3600.0


async def publish_on_call(consultation_id: int, payload: dict[str, Any]) -> None:
    """The recording's state on the call's topic, for both call pages."""
    await get_broker().publish(chat_topic(consultation_id), {"kind": "recording", **payload})


async def publish_event(consultation_id: int, kind: str) -> None:
    """The last stored call event of `kind`, as a chat line on both pages."""
    with session_scope() as session:
        found = [e for e in events_of(session, consultation_id) if e.kind == kind]
        if not found:
            return
        event = found[-1]
        item = {"kind": "event", "event": event.kind, "role": event.role, "id": event.id}
    await get_broker().publish(chat_topic(consultation_id), item)


class RecordingDesk:
    def __init__(self, registry: MediaRegistry, directory: Path, publish: Publish) -> None:
        self.registry = registry
        self.directory = directory
        self.publish = publish
        self._recording_ids: dict[int, int] = {}  # consultation -> running recording
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- asking and answering ----------------------------------------------------------------

    async def ask(self, consultation_id: int, staff_id: int) -> int:
        """Staff want to record: the customer's page shows the notice. Returns the recording."""
        with session_scope() as session:
            recording = recordings.request(session, consultation_id, staff_id)
            recording_id = recording.id
        await self.publish(consultation_id, {"state": "asking", "recording_id": recording_id})
        return recording_id

    async def answer(
        self, consultation_id: int, recording_id: int, *, accepted: bool, lang: str
    ) -> str:
        """The customer's answer. Returns the recording's state afterwards."""
        with session_scope() as session:
            recording, _consent = recordings.answer(
                session, consultation_id, recording_id, accepted=accepted, lang=lang
            )
            status, stem, audio_only = recording.status, recording.path, recording.audio_only
        if status == "declined":
            await publish_event(consultation_id, "recording_declined")
            await self.publish(consultation_id, {"state": "declined", "recording_id": recording_id})
            return "declined"
        if status == "recording":  # a late joiner's answer to a running recording
            if accepted:
                recorder = self.registry.recorder_of(consultation_id)
                if recorder is not None:
                    recorder.allow("customer")
                await self.publish(consultation_id, self._running(recording_id))
                return "recording"
            await self.stop(consultation_id, None, reason="declined")
            await self.publish(consultation_id, {"state": "declined", "recording_id": recording_id})
            return "declined"
        # awaiting consent, accepted: start now
        directory = self.directory / Path(stem).parent
        recorder = CallRecorder(
            directory,
            Path(stem).name,
            on_error=lambda role, message: self._failed(consultation_id, recording_id, message),
        )
        with session_scope() as session:
            row = session.get(Recording, recording_id)
            assert row is not None
            recordings.started(session, row)
            started_at = row.started_at.isoformat()
        self._recording_ids[consultation_id] = recording_id
        self.registry.start_recording(consultation_id, recorder)
        logger.info("call %s: recording %s started (audio only: %s)", consultation_id,
                    recording_id, audio_only)  # fmt: skip
        await publish_event(consultation_id, "recording_started")
        await self.publish(
            consultation_id, {**self._running(recording_id), "started_at": started_at}
        )
        return "recording"

    def _running(self, recording_id: int) -> dict[str, Any]:
        with session_scope() as session:
            recording = session.get(Recording, recording_id)
            started_at = recording.started_at.isoformat() if recording else ""
        return {"state": "recording", "recording_id": recording_id, "started_at": started_at}

    async def customer_arrived(self, consultation_id: int) -> None:
        """A customer page opened (a reload, a new device): if recording, they are asked
        again and are not recorded until they agree."""
        with session_scope() as session:
            recording = recordings.current(session, consultation_id)
            if recording is None:
                return
            status = recording.status
        if status == "recording":
            recorder = self.registry.recorder_of(consultation_id)
            if recorder is not None:
                recorder.hold("customer")

    # -- stopping ------------------------------------------------------------------------------

    async def stop(self, consultation_id: int, staff_id: int | None, *, reason: str = "") -> None:
        """Stop the call's recording (staff, a decline, the call ending) and finalise it."""
        with session_scope() as session:
            recording = recordings.stop_request(session, consultation_id, staff_id)
            recording_id, status = recording.id, recording.status
        if status == "declined":  # stopped before the customer answered
            await self.publish(consultation_id, {"state": "off", "recording_id": recording_id})
            return
        self._recording_ids.pop(consultation_id, None)
        recorder = await self.registry.stop_recording(consultation_id)
        tracks = await self._finalise(recorder) if recorder is not None else {}
        error = ""
        if recorder is not None:
            error = "; ".join(f.error for f in recorder.files.values() if f.error)
        with session_scope() as session:
            recordings.finished(
                session, recording_id, tracks, status="failed" if error else "complete", error=error
            )
        logger.info("call %s: recording %s stopped (%s)", consultation_id, recording_id, reason)
        await publish_event(consultation_id, "recording_failed" if error else "recording_stopped")
        await self.publish(consultation_id, {"state": "off", "recording_id": recording_id})

    async def call_ended(self, consultation_id: int) -> None:
        """The call ended: a running recording stops, an unanswered request lapses."""
        with session_scope() as session:
            active = recordings.current(session, consultation_id) is not None
        if active:
            await self.stop(consultation_id, None, reason="call ended")

    async def _finalise(self, recorder: CallRecorder) -> dict[str, dict[str, Any]]:
        tracks: dict[str, dict[str, Any]] = {}
        for role, file in recorder.files.items():
            if not file.part_path.exists():
                continue
            finish = seal if file.error is None else finalise  # a failed file was cut off
            try:
                done: Finalised = await asyncio.to_thread(finish, file.part_path)
            except Exception as exc:  # a file we cannot read back stays as .part for recovery
                logger.error("cannot finalise %s: %s", file.part_path, exc)
                continue
            tracks[role] = track_info(done, recorder.start_offset_s(role))
        return tracks

    def _failed(self, consultation_id: int, recording_id: int, message: str) -> None:
        """A write error (disk full): stop the recording, tell staff; the call goes on."""
        logger.error("call %s: recording %s failed: %s", consultation_id, recording_id, message)

        async def stop_and_tell() -> None:
            with contextlib.suppress(recordings.RecordingError):
                await self.stop(consultation_id, None, reason="write error")
            await self.publish(
                consultation_id,
                {"state": "failed", "recording_id": recording_id, "message": message},
            )

        task = asyncio.ensure_future(stop_and_tell())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- start-up ------------------------------------------------------------------------------

    async def recover(self) -> int:
        """After a crash: finalise every leftover `.part` and mark those recordings
        "interrupted"; lapse requests nobody answered. Returns how many were recovered."""
        self.directory.mkdir(parents=True, exist_ok=True)
        done = await asyncio.to_thread(recover, self.directory)
        by_stem: dict[str, dict[str, dict[str, Any]]] = {}
        for part, result in done:
            if result is None:
                continue
            stem, _, role = result.path.stem.rpartition("-")
            offsets = read_offsets(part.parent / stem)
            rel = str((part.parent / stem).relative_to(self.directory))
            by_stem.setdefault(rel, {})[role] = track_info(result, offsets.get(role))
        with session_scope() as session:
            recordings.abandon_requests(session)
            for recording in recordings.unfinished(session):
                tracks = by_stem.get(recording.path, {})
                recordings.finished(
                    session, recording.id, tracks, status="interrupted",
                    error="the server stopped while recording",
                )  # fmt: skip
        return sum(1 for _, r in done if r is not None)

    async def close(self) -> None:
        """Shutting down: finalise what is being recorded (a crash leaves it to `recover`)."""
        for consultation_id in list(self._recording_ids):
            try:
                await self.stop(consultation_id, None, reason="shutdown")
            except (recordings.RecordingError, RecordingWriteError, LookupError):
                logger.exception("call %s: could not stop its recording", consultation_id)


async def retention(desk: RecordingDesk, every_s: float = RETENTION_EVERY_S) -> None:
    """Delete recordings past their store's retention, now and then every `every_s`."""
    from consult.media.recordings import apply_retention

    def run() -> int:
        with session_scope() as session:
            return apply_retention(session, desk.directory)

    while True:
        try:
            deleted = await asyncio.to_thread(run)
            if deleted:
                logger.info("retention: deleted %d recording(s)", deleted)
        except Exception:  # the next round tries again
            logger.exception("retention run failed")
        await asyncio.sleep(every_s)


def track_info(done: Finalised, offset_s: float | None) -> dict[str, Any]:
    return {
        "file": done.path.name,
        "offset_s": offset_s or 0.0,
        "duration_s": done.duration_s,
        "size_bytes": done.size_bytes,
        "video": done.has_video,
        "audio": done.has_audio,
    }


_desk: RecordingDesk | None = None


def install(desk: RecordingDesk) -> RecordingDesk:
    global _desk
    _desk = desk
    return desk


def get_desk() -> RecordingDesk:
    if _desk is None:
        raise RuntimeError("no recording desk in this process")
    return _desk
