"""Record a call's media as it arrives, still encoded: VP8 and Opus muxed into WebM, no codec.

The server already receives every participant's media as encoded packets (see
`encoded_video.py`); a `CallRecorder` subscribes to those packets through the room's relay and
muxes them with PyAV into one WebM file per participant (video and audio). No encoder or decoder
is opened: the video stream is created from its codec name (`add_mux_stream`), the audio stream
from a tiny hand-made Ogg Opus header (`add_stream_from_template`), so that the file carries the
OpusHead that browsers need, and PyAV never opens that template's codec context.

Crash safety: each file is written as `<name>.webm.part` in clusters of at most a second with
FFmpeg's I/O flushed after each write, so a `kill -9` loses at most about a second. A file
closed normally already has its cues and duration: `seal` just renames it. A file cut off by a
crash has neither: `finalise` remuxes it (packets in, packets out) into `<name>.webm` with cues
and a duration, and `recover` does that on start-up for every `.part` left behind.

Timing: aiortc starts each track's RTP clock at a random value. Every file starts at the arrival
of its first packet; each track is anchored at its own first packet's arrival (monotonic clock)
and then follows its RTP timestamps, so audio and video line up within a file and the files of
one recording line up through their start offsets (`CallRecorder.start_offset_s`).

No Reflex here.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

import av
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError
from av import Packet

from consult.media.encoded_video import opus_samples, vp8_keyframe_size

logger = logging.getLogger(__name__)

PART = ".part"
VIDEO_RATE = 90_000
AUDIO_RATE = 48_000
VIDEO_TB = Fraction(1, VIDEO_RATE)
AUDIO_TB = Fraction(1, AUDIO_RATE)
DEFAULT_SIZE = (640, 480)
# A file waits this long for a video key frame before it starts with audio only (the picture
# joins at its first key frame).
KEYFRAME_WAIT_S = 2.0
# Where an RTP clock and the arrival clock disagree by more than this, the sender restarted
# its clock: re-anchor on arrival.
CLOCK_JUMP_S = 2.0
MUX_OPTIONS = {"flush_packets": "1"}
CLUSTER_OPTIONS = {"cluster_time_limit": "1000", "max_interleave_delta": "1000000"}


class RecordingWriteError(Exception):
    """A file could not be written (disk full, I/O error): that participant's file stops."""


# --------------------------------------------------------------------------------------------
# The Opus stream's setup data, without an encoder


def _ogg_crc_table() -> list[int]:
    table = []
    for i in range(256):
        r = i << 24
        for _ in range(8):
            r = ((r << 1) ^ 0x04C11DB7) if r & 0x80000000 else (r << 1)
        table.append(r & 0xFFFFFFFF)
    return table


_CRC = _ogg_crc_table()


def _ogg_page(data: bytes, seq: int, flags: int, granule: int = 0) -> bytes:
    """One Ogg page holding one packet (RFC 3533)."""
    segments = [255] * (len(data) // 255) + [len(data) % 255]
    header = b"OggS" + bytes([0, flags]) + struct.pack("<qII", granule, 0x53524D, seq)
    page = header + b"\0\0\0\0" + bytes([len(segments)]) + bytes(segments) + data
    crc = 0
    for byte in page:
        crc = ((crc << 8) ^ _CRC[((crc >> 24) ^ byte) & 0xFF]) & 0xFFFFFFFF
    return page[:22] + struct.pack("<I", crc) + page[26:]


def opus_header_ogg(channels: int = 2) -> bytes:
    """A minimal Ogg Opus stream (RFC 7845): OpusHead, OpusTags and one silent packet."""
    head = b"OpusHead" + bytes([1, channels]) + struct.pack("<HIhB", 312, AUDIO_RATE, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 8) + b"showroom" + struct.pack("<I", 0)
    silence = b"\xf8\xff\xfe"  # a 20 ms CELT frame of silence
    return _ogg_page(head, 0, 2) + _ogg_page(tags, 1, 0) + _ogg_page(silence, 2, 4, 312 + 960)


# --------------------------------------------------------------------------------------------
# One participant's file


@dataclass
class _Clock:
    """Maps one inbound track's RTP timestamps onto its file's timeline (in `rate` units)."""

    rate: int
    anchor: int  # file time of the first packet
    rtp0: int
    arrival0: float
    last_rtp: int = 0
    wraps: int = 0

    def file_time(self, rtp: int, arrival: float) -> int:
        rtp &= 0xFFFFFFFF
        if rtp < self.last_rtp and self.last_rtp - rtp > 0x80000000:
            self.wraps += 1  # the 32-bit RTP clock wrapped
        elif rtp > self.last_rtp and rtp - self.last_rtp > 0x80000000 and self.wraps:
            self.wraps -= 1  # a late packet from before the wrap
        self.last_rtp = rtp
        by_rtp = rtp + (self.wraps << 32) - self.rtp0
        by_arrival = (arrival - self.arrival0) * self.rate
        if abs(by_rtp - by_arrival) > CLOCK_JUMP_S * self.rate:
            # The sender's clock jumped (a restart): follow arrival from here on.
            self.rtp0 = rtp + (self.wraps << 32) - round(by_arrival)
            by_rtp = round(by_arrival)
        return self.anchor + by_rtp


@dataclass
class FileStats:
    packets: int = 0
    bytes: int = 0
    dropped_late: int = 0
    clamped: int = 0
    dropped_corrupt: int = 0
    dropped_before_keyframe: int = 0
    size_changes: int = 0


class ParticipantFile:
    """One participant's WebM: VP8 video (if any) and Opus audio (if any), written as `.part`."""

    def __init__(self, path: Path, *, video: bool, audio: bool, clock: Callable[[], float]):
        if not (video or audio):
            raise ValueError("a file needs video or audio")
        self.path = path  # the final name; written as path + ".part" until finalised
        self.has_video, self.has_audio = video, audio
        self._now = clock
        self.created = clock()
        self.started_at: float | None = None  # monotonic time of the file's time zero
        self.size: tuple[int, int] | None = None
        self.stats = FileStats()
        self.error: str | None = None
        self.closed = False
        self._out: Any = None
        self._video: Any = None
        self._audio: Any = None
        self._clocks: dict[str, _Clock] = {}
        self._last: dict[str, int] = {}
        self._keyframe_wanted = video
        self.last_video_time = 0.0  # file seconds of the last video packet (for A/V checks)

    @property
    def part_path(self) -> Path:
        return self.path.with_name(self.path.name + PART)

    def new_source(self, kind: str) -> None:
        """A new inbound track for `kind` (a reconnect): anchor it anew; video from a key frame."""
        self._clocks.pop(kind, None)
        if kind == "video":
            self._keyframe_wanted = True

    @property
    def wants_keyframe(self) -> bool:
        return self.has_video and self._keyframe_wanted and not self.closed

    def write(self, kind: str, data: bytes, rtp: int, arrival: float | None = None) -> bool:
        """Mux one encoded packet; False if it was dropped. Raises RecordingWriteError."""
        if self.closed:
            return False
        arrival = self._now() if arrival is None else arrival
        if kind == "video":
            if not self.has_video:
                return False
            size = vp8_keyframe_size(data)
            # A key frame (bit 0 of the frame tag clear) must carry its start code and size.
            if len(data) < 3 or (not data[0] & 1 and size is None):
                self.stats.dropped_corrupt += 1
                return False
            if self._keyframe_wanted and size is None:
                self.stats.dropped_before_keyframe += 1
                return False
            if size is not None:
                if self.size is not None and size != self.size:
                    self.stats.size_changes += 1
                    logger.info("%s: picture now %dx%d", self.path.name, *size)
                self.size = size
                self._keyframe_wanted = False
        elif kind == "audio":
            if not self.has_audio:
                return False
            if opus_samples(data) is None:
                self.stats.dropped_corrupt += 1
                return False
            if self._out is None and self.has_video and arrival - self.created < KEYFRAME_WAIT_S:
                return False  # the file starts at the picture's first key frame
        else:
            return False
        if self._out is None:
            self._open(arrival)
        assert self.started_at is not None
        rate = VIDEO_RATE if kind == "video" else AUDIO_RATE
        track = self._clocks.get(kind)
        if track is None:
            anchor = round((arrival - self.started_at) * rate)
            track = self._clocks[kind] = _Clock(rate, max(anchor, 0), rtp & 0xFFFFFFFF, arrival)
            track.last_rtp = rtp & 0xFFFFFFFF
        ts = track.file_time(rtp, arrival)
        last = self._last.get(kind, -1)
        if ts <= last:
            if last - ts > rate // 2:  # far behind: a stray late packet
                self.stats.dropped_late += 1
                return False
            ts = last + 1  # slightly behind or a duplicate stamp: clamp
            self.stats.clamped += 1
        stream = self._video if kind == "video" else self._audio
        packet = Packet(data)
        packet.stream = stream
        packet.time_base = VIDEO_TB if kind == "video" else AUDIO_TB
        packet.pts = packet.dts = ts
        if kind == "video":
            packet.is_keyframe = vp8_keyframe_size(data) is not None
            self.last_video_time = ts / VIDEO_RATE
        try:
            self._out.mux(packet)
        except (OSError, av.FFmpegError) as exc:
            self._fail(exc)
        self._last[kind] = ts
        self.stats.packets += 1
        self.stats.bytes += len(data)
        return True

    def _open(self, arrival: float) -> None:
        self.started_at = arrival
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            out = av.open(
                str(self.part_path),
                "w",
                format="webm",
                options=dict(MUX_OPTIONS),
                container_options=dict(CLUSTER_OPTIONS),
            )
        except (OSError, av.FFmpegError) as exc:
            self._fail(exc)
        if self.has_video:
            width, height = self.size or DEFAULT_SIZE
            self._video = out.add_mux_stream("vp8", rate=30, width=width, height=height)
        if self.has_audio:
            with av.open(io.BytesIO(opus_header_ogg()), format="ogg") as template:
                self._audio = out.add_stream_from_template(template.streams.audio[0])
        self._out = out

    def _fail(self, exc: BaseException) -> None:
        self.error = str(exc) or type(exc).__name__
        logger.error("%s: cannot write: %s", self.part_path, self.error)
        self._close_quietly()
        raise RecordingWriteError(self.error) from exc

    def _close_quietly(self) -> None:
        self.closed = True
        out, self._out = self._out, None
        if out is not None:
            with contextlib.suppress(Exception):
                out.close()

    def codec_contexts(self) -> list[Any]:
        """The codec contexts of this file's streams (none is ever opened)."""
        streams = (self._video, self._audio)
        return [s.codec_context for s in streams if s is not None and s.codec_context is not None]

    def close(self) -> bool:
        """Close the `.part` (the muxer writes its last cluster). False if nothing was written."""
        if self.closed:
            return self._out is None and self.part_path.exists()
        self.closed = True
        out, self._out = self._out, None
        if out is None:
            return False
        try:
            out.close()
        except (OSError, av.FFmpegError) as exc:
            self.error = str(exc)
            logger.error("%s: cannot close: %s", self.part_path, exc)
        return self.part_path.exists()


# --------------------------------------------------------------------------------------------
# Finalising


@dataclass(frozen=True)
class Finalised:
    path: Path
    duration_s: float
    size_bytes: int
    has_video: bool
    has_audio: bool


def finalise(part: Path) -> Finalised:
    """Remux `x.webm.part` into `x.webm` with cues and a duration (no codec); removes the part.

    Works on a file cut off by a crash: everything up to the last whole packet is kept.
    """
    if part.suffix != PART:
        raise ValueError(f"not a .part file: {part}")
    final = part.with_suffix("")
    tmp = final.with_name(final.name + ".tmp")
    end = 0.0
    with av.open(str(part), "r") as source:
        streams = [s for s in source.streams if s.type in ("video", "audio")]
        with av.open(str(tmp), "w", format="webm") as out:
            mapping = {s.index: out.add_stream_from_template(s) for s in streams}
            last: dict[int, int] = {}
            for packet in source.demux(*streams):
                if packet.dts is None or packet.size == 0:
                    continue
                if packet.dts <= last.get(packet.stream.index, -1):
                    continue  # a cut-off file can end with a repeated stamp
                last[packet.stream.index] = packet.dts
                assert packet.time_base is not None
                end = max(end, float((packet.pts or 0) * packet.time_base))
                packet.stream = mapping[packet.stream.index]
                out.mux(packet)
        kinds = {s.type for s in streams}
    os.replace(tmp, final)
    part.unlink(missing_ok=True)
    return Finalised(final, round(end, 3), final.stat().st_size, "video" in kinds, "audio" in kinds)


def read_offsets(stem_path: Path) -> dict[str, float]:
    """The start offsets a `CallRecorder` left beside its files (`<stem>.json`), if any."""
    try:
        data = json.loads(stem_path.with_name(stem_path.name + ".json").read_text())
        return {str(k): float(v) for k, v in data.get("offsets_s", {}).items()}
    except (OSError, ValueError, AttributeError):
        return {}


def seal(part: Path) -> Finalised:
    """Finish a `.part` that was closed cleanly: the muxer already wrote its cues and duration
    at close, so it only takes its final name (no remux: instant even for an hour)."""
    if part.suffix != PART:
        raise ValueError(f"not a .part file: {part}")
    final = part.with_suffix("")
    with av.open(str(part), "r") as source:
        kinds = {s.type for s in source.streams}
        duration = (source.duration or 0) / 1_000_000
    if not duration:  # no duration in the header: not a clean close after all
        return finalise(part)
    os.replace(part, final)
    return Finalised(
        final, round(duration, 3), final.stat().st_size, "video" in kinds, "audio" in kinds
    )


def recover(directory: Path) -> list[tuple[Path, Finalised | None]]:
    """Finalise every `.part` under `directory` (left by a crash). None where unreadable."""
    done: list[tuple[Path, Finalised | None]] = []
    for part in sorted(directory.rglob(f"*.webm{PART}")):
        try:
            done.append((part, finalise(part)))
        except (OSError, av.FFmpegError, ValueError) as exc:
            logger.error("cannot recover %s: %s", part, exc)
            done.append((part, None))
    return done


# --------------------------------------------------------------------------------------------
# Tapping a call


class RoomView(Protocol):
    """What the recorder needs from a call's room (consult.media.registry.CallRoom)."""

    consultation_id: int
    relay: Any

    def tracks(self) -> dict[str, dict[str, MediaStreamTrack]]: ...
    def keyframe_source(self, role: str) -> Any: ...


RECORDED_ROLES = ("customer", "staff")


@dataclass
class _Tap:
    track: MediaStreamTrack
    subscription: MediaStreamTrack
    task: asyncio.Task[None]


@dataclass
class CallRecorder:
    """Records one call: a `ParticipantFile` per recorded role, fed from the room's relay.

    `rewire(room)` is called whenever the room's participants change; a role on `hold`
    (rejoined and not yet consented again) is not recorded until `allow(role)`.
    `on_error(role, message)` is told when a file stops on a write error (the call goes on).
    """

    directory: Path
    stem: str
    on_error: Callable[[str, str], None] | None = None
    clock: Callable[[], float] = time.monotonic
    files: dict[str, ParticipantFile] = field(default_factory=dict)
    held: set[str] = field(default_factory=set)
    t0: float = 0.0
    _taps: dict[tuple[str, str], _Tap] = field(default_factory=dict)
    _room: Any = None
    _offsets: dict[str, float] = field(default_factory=dict)
    stopped: bool = False

    def __post_init__(self) -> None:
        self.t0 = self.clock()

    def start_offset_s(self, role: str) -> float | None:
        """When `role`'s file starts, in seconds after the recording started (common clock)."""
        file = self.files.get(role)
        if file is None or file.started_at is None:
            return None
        return round(file.started_at - self.t0, 3)

    @property
    def offsets_path(self) -> Path:
        return self.directory / f"{self.stem}.json"

    def _write_offsets(self, role: str) -> None:
        """Each file's start on the recording's clock, beside the files (read after a crash)."""
        offset = self.start_offset_s(role)
        if offset is None:
            return
        self._offsets[role] = offset
        try:
            tmp = self.offsets_path.with_suffix(".json.tmp")
            tmp.write_text(json.dumps({"offsets_s": self._offsets}))
            os.replace(tmp, self.offsets_path)
        except OSError as exc:
            raise RecordingWriteError(str(exc)) from exc

    def path_for(self, role: str) -> Path:
        return self.directory / f"{self.stem}-{role}.webm"

    def hold(self, role: str) -> None:
        self.held.add(role)
        for key in [k for k in self._taps if k[0] == role]:
            self._untap(key)

    def allow(self, role: str) -> None:
        self.held.discard(role)
        if self._room is not None:
            self.rewire(self._room)

    def rewire(self, room: RoomView) -> None:
        """Follow the room's current inbound tracks (idempotent)."""
        if self.stopped:
            return
        self._room = room
        tracks = room.tracks()
        for key in list(self._taps):
            role, kind = key
            if tracks.get(role, {}).get(kind) is not self._taps[key].track:
                self._untap(key)
        for role in RECORDED_ROLES:
            if role in self.held or role not in tracks:
                continue
            kinds = tracks[role]
            file = self.files.get(role)
            if file is None or file.closed:
                if file is not None and file.error:
                    continue  # this participant's file failed; not reopened in this recording
                file = self.files[role] = ParticipantFile(
                    self.path_for(role), video="video" in kinds, audio="audio" in kinds,
                    clock=self.clock,
                )  # fmt: skip
            for kind, track in kinds.items():
                if (role, kind) in self._taps:
                    continue
                file.new_source(kind)
                subscription = room.relay.subscribe(track, buffered=True)
                task = asyncio.ensure_future(self._pump(role, kind, file, subscription, room))
                self._taps[(role, kind)] = _Tap(track, subscription, task)
                if kind == "video":
                    self._ask_keyframe(room, role)

    def _ask_keyframe(self, room: RoomView, role: str) -> None:
        source = room.keyframe_source(role)
        if source is not None:
            source.request()

    async def _pump(
        self,
        role: str,
        kind: str,
        file: ParticipantFile,
        subscription: MediaStreamTrack,
        room: RoomView,
    ) -> None:
        with contextlib.suppress(MediaStreamError, asyncio.CancelledError):
            while True:
                packet = await subscription.recv()
                if not isinstance(packet, Packet) or packet.pts is None:
                    continue  # a decoded frame: this track is not forwarded encoded
                try:
                    file.write(kind, bytes(packet), packet.pts)
                    if role not in self._offsets and file.started_at is not None:
                        self._write_offsets(role)
                except RecordingWriteError as exc:
                    if self.on_error is not None:
                        self.on_error(role, str(exc))
                    return
                if kind == "video" and file.wants_keyframe:
                    self._ask_keyframe(room, role)

    def _untap(self, key: tuple[str, str]) -> None:
        tap = self._taps.pop(key)
        tap.task.cancel()
        tap.subscription.stop()

    async def stop(self) -> dict[str, ParticipantFile]:
        """Stop every tap and close the files (still `.part`: `finalise` them off the loop)."""
        self.stopped = True
        tasks = [tap.task for tap in self._taps.values()]
        for key in list(self._taps):
            self._untap(key)
        await asyncio.gather(*tasks, return_exceptions=True)
        for file in self.files.values():
            file.close()
        return dict(self.files)
