"""The call's media plane: one aiortc peer connection per participant, media relayed between sides.

Every browser in a call opens one `RTCPeerConnection` to this server. A `CallRoom` (one per
consultation) holds the participants by role and the tracks they send; each participant's
outbound tracks are `ForwardingTrack`s that play black video / silence until the track they
should carry exists, then forward it (through the room's `MediaRelay`) on their own clock, and
fall back to black / silence when its sender leaves. So the sides may connect in any order and
reconnect at will.

`MediaRegistry` is the one registry of live peer connections in the process: it creates them,
closes them on failure, on leave and on shutdown, and answers "who is connected" for monitoring.

No Reflex here; nothing in this module may end up in Reflex state.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeVar

import av
from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.codecs.opus import OpusDecoder
from aiortc.codecs.vpx import Vp8Decoder
from aiortc.contrib.media import MediaRelay
from aiortc.jitterbuffer import JitterFrame
from aiortc.mediastreams import MediaStreamError
from aiortc.sdp import SessionDescription
from av import AudioFrame, AudioResampler, Packet, VideoFrame
from av.frame import Frame
from av.video.frame import PictureType

from consult.media.encoded_video import (
    OPUS,
    VP8,
    Keyframes,
    KeyframeSource,
    forward_encoded,
    is_forwarded,
    opus_samples,
    vp8_keyframe_size,
)
from consult.media.recorder import CallRecorder
from consult.media.signalling import Link

logger = logging.getLogger(__name__)

# Who receives whom. A participant gets, per kind, one outbound track for each source role, in
# this order (so a receive-only "monitor" offering two audio and two video sections gets the
# customer on the first of each and staff on the second). Nobody lists "monitor" as a source,
# so a monitor is never heard or seen. A supervisor who barges in sends and receives like a
# monitor; each side sees and hears them on a second, receive-only connection of its own
# ("customer_aux", "staff_aux"), so the call's own connections are never renegotiated.
ROLE_SOURCES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "customer": ("staff",),
        "staff": ("customer",),
        "monitor": ("customer", "staff"),
        "supervisor": ("customer", "staff"),
        "customer_aux": ("supervisor",),
        "staff_aux": ("supervisor",),
    }
)

VIDEO_CLOCK_RATE = 90_000
VIDEO_TIME_BASE = fractions.Fraction(1, VIDEO_CLOCK_RATE)
FILLER_FPS = 15
AUDIO_RATE = 48_000
AUDIO_TIME_BASE = fractions.Fraction(1, AUDIO_RATE)
AUDIO_SAMPLES = 960  # 20 ms, what aiortc's Opus decoder produces and its encoder consumes
DEFAULT_SIZE = (640, 480)

# How long a forwarding track waits for its source before it plays black / silence meanwhile.
VIDEO_STALL_S = 1.0
AUDIO_STALL_S = 0.5

DEFAULT_MIN_VIDEO_KBPS = 1000
NEGOTIATION_TIMEOUT_S = 15.0


class MediaError(Exception):
    """Base class for media-plane errors the API maps to responses."""


class UnknownRole(MediaError, ValueError):
    """The role is not one the media plane knows."""


class NegotiationError(MediaError):
    """The offer could not be answered (bad SDP, no common codec, timeout)."""


class RegistryClosed(MediaError):
    """The registry is shutting down and accepts no new connections."""


class Superseded(MediaError):
    """This client was replaced by a newer one (another tab) for the same participant."""


# Told of every media state change of a call: (consultation_id, kind, role, detail). Kinds are
# those of consult.calls.events: joined, reconnected, connection_lost, audio_only, left.
EventSink = Callable[[int, str, str | None, dict[str, Any]], Awaitable[None]]

# After a page goes away (pagehide: a reload or a closed tab) "left" waits this long for the same
# participant to come back, so a reload reads as "reconnected" rather than "left" + "joined".
UNLOAD_GRACE_S = 8.0


# --------------------------------------------------------------------------------------------
# Frames owned by one consumer


def black_frame(width: int, height: int) -> VideoFrame:
    """A limited-range black yuv420p frame (Y=16, U=V=128; zero chroma would be green)."""
    frame = VideoFrame(width=width, height=height, format="yuv420p")
    for plane, value in zip(frame.planes, (16, 128, 128), strict=True):
        plane.update(bytes([value]) * plane.buffer_size)
    return frame


def silence_frame() -> AudioFrame:
    frame = AudioFrame(format="s16", layout="stereo", samples=AUDIO_SAMPLES)
    for plane in frame.planes:
        plane.update(bytes(plane.buffer_size))
    frame.sample_rate = AUDIO_RATE
    return frame


def copy_video(frame: VideoFrame) -> VideoFrame:
    """A yuv420p copy this consumer owns.

    `MediaRelay` hands the same frame object to every consumer, and the encoders rewrite a frame's
    timestamps and picture type in place (in a worker thread), so a forwarding track never passes
    on the shared object.
    """
    if frame.format.name != "yuv420p":
        return frame.reformat(format="yuv420p")  # a new frame already
    out = VideoFrame(width=frame.width, height=frame.height, format="yuv420p")
    if all(d.line_size == s.line_size for d, s in zip(out.planes, frame.planes, strict=True)):
        for dst, src in zip(out.planes, frame.planes, strict=True):
            dst.update(src)  # type: ignore[arg-type]  # a buffer; about 0.2 ms at 640x480
        return out
    return VideoFrame.from_ndarray(frame.to_ndarray(), format="yuv420p")


class _AudioNormalizer:
    """Turns any incoming audio frame into an owned s16 stereo 48 kHz frame.

    The Opus encoder's resampler is configured from the first frame it sees and refuses frames
    in another layout or rate afterwards, so everything a forwarding track emits matches the
    silence it starts with.
    """

    def __init__(self) -> None:
        self._resampler: AudioResampler | None = None
        self._input: tuple[str, str, int] | None = None

    def __call__(self, frame: AudioFrame) -> list[AudioFrame]:
        if (
            frame.format.name == "s16"
            and frame.layout.name == "stereo"
            and frame.sample_rate == AUDIO_RATE
        ):
            out = AudioFrame.from_ndarray(frame.to_ndarray(), format="s16", layout="stereo")
            out.sample_rate = AUDIO_RATE
            return [out]
        key = (frame.format.name, frame.layout.name, frame.sample_rate)
        if self._resampler is None or key != self._input:  # set up from the first frame
            self._resampler = AudioResampler(format="s16", layout="stereo", rate=AUDIO_RATE)
            self._input = key
        # The resampler reads the (shared) frame without changing it and makes new frames.
        return list(self._resampler.resample(frame))


# --------------------------------------------------------------------------------------------
# Outbound track


_Video = TypeVar("_Video", VideoFrame, Packet)


class ForwardingTrack(MediaStreamTrack):
    """An outbound track that forwards a switchable source on its own monotonic clock.

    With no source (or a stalled one) it plays black video at `FILLER_FPS` or 20 ms frames of
    silence. Every frame it returns is its own copy, restamped: video on a 90 kHz wall clock,
    audio on a running sample count, so the far end's decoder sees one continuous stream across
    source switches.

    VP8 from the source arrives still encoded (consult.media.encoded_video) and goes out as it came,
    which only works from a key frame on: after a switch, and after any black frame the sender
    encoded itself, packets are dropped (the last picture stays on screen) until a key frame
    comes, and the source is asked for one. The first black frame after forwarded packets is
    encoded as a key frame for the same reason. If this track's own peer did not negotiate VP8,
    the packets are decoded here and re-encoded by the sender instead. Opus packets go out as
    they came too, restamped on the track's running sample count (any packet starts anew).
    """

    def __init__(self, kind: str, source_role: str, label: str) -> None:
        super().__init__()
        if kind not in ("audio", "video"):
            raise ValueError(f"unsupported kind {kind!r}")
        self.kind = kind
        self.source_role = source_role
        self.label = label
        self.upstream: MediaStreamTrack | None = None  # the inbound track we forward, if any
        self._source: MediaStreamTrack | None = None  # our relay subscription to it
        self._pending: asyncio.Future[Any] | None = None
        self._stalled = False
        self._source_started = False
        self._t0: float | None = None
        self._last_pts = -1
        self._samples = 0
        self._next_filler = 0.0
        self._size = DEFAULT_SIZE
        self._black: VideoFrame | None = None
        self._silence: AudioFrame | None = None
        self._audio_out: list[AudioFrame] = []
        self._normalize = _AudioNormalizer()
        # What our sender sends with (set once the answer is made): packets of this codec go
        # out as they came, any other codec is decoded here first.
        self.codec = VP8 if kind == "video" else OPUS
        self._opus_decoder: OpusDecoder | None = None
        self._keyframes: Keyframes | None = None  # of the current source, for video
        self._keyframe_wanted = True  # the far end cannot decode forwarded packets before one
        self._forwarded_last = False  # the last thing sent was a forwarded packet
        self._last_output = 0.0
        self._vp8_decoder: Vp8Decoder | None = None
        self.frames_forwarded = 0
        self.packets_forwarded = 0  # of those, passed on still encoded
        self.packets_dropped = 0  # waiting for a key frame
        self._wanted_since: float | None = None  # the first packet dropped for want of one
        self._dropped = 0
        self.frames_filled = 0

    # -- switching -----------------------------------------------------------------------------

    def attach(
        self,
        upstream: MediaStreamTrack | None,
        relay: MediaRelay | None,
        keyframes: Keyframes | None = None,
    ) -> None:
        """Forward `upstream` (via `relay`) from now on, or nothing if `upstream` is None.

        `keyframes` is the upstream's sender, to ask for key frames (for forwarded video).
        """
        if upstream is self.upstream:
            return
        self._drop_source()
        self.upstream = upstream
        if upstream is not None and relay is not None:
            # Audio must be buffered: unbuffered relaying dropped about half of the frames. So
            # must encoded video: one packet skipped breaks every frame up to the next key frame.
            buffered = self.kind == "audio" or is_forwarded(upstream)
            self._source = relay.subscribe(upstream, buffered=buffered)
            self._keyframes = keyframes
            if keyframes is not None:
                keyframes.watch(self)
            self._keyframe_wanted = True
            self._vp8_decoder = None
            self.request_keyframe()
        logger.debug("%s now forwards %s", self.label, upstream.id if upstream else "nothing")

    def request_keyframe(self) -> None:
        """The far end lost the picture (its PLI / FIR) or we need to start a new source."""
        if self._keyframes is not None:
            self._keyframes.request()

    def picture_lost(self) -> None:
        """The source lost a frame on its way here: forward nothing until its next key frame."""
        self._keyframe_wanted = True

    def _drop_source(self) -> None:
        if self._pending is not None:
            if self._pending.done() and not self._pending.cancelled():
                self._pending.exception()  # retrieved: no "never retrieved" warning
            self._pending.cancel()
            self._pending = None
        if self._source is not None:
            self._source.stop()
            self._source = None
        self.upstream = None
        if self._keyframes is not None:
            self._keyframes.unwatch(self)
            self._keyframes = None
        self._stalled = False
        self._source_started = False

    def stop(self) -> None:
        self._drop_source()
        super().stop()

    # -- media ---------------------------------------------------------------------------------

    async def recv(self) -> Frame | Packet:
        if self.readyState != "live":
            raise MediaStreamError
        if self._t0 is None:
            self._t0 = self._last_output = time.monotonic()
            self._next_filler = self._t0
        if self.kind == "audio" and self._audio_out:
            return self._stamp_audio(self._audio_out.pop(0))
        while True:
            source = self._source
            if source is None:
                return await self._paced_filler()
            if self._pending is None:
                self._pending = asyncio.ensure_future(source.recv())
            pending = self._pending
            wait = 1 / self._filler_rate() if self._stalled else self._stall_timeout()
            done, _ = await asyncio.wait({pending}, timeout=wait)
            if self.readyState != "live":
                raise MediaStreamError
            if not done:
                # The source is quiet: keep its recv pending and fill in meanwhile.
                self._stalled = True
                self._next_filler = time.monotonic() + 1 / self._filler_rate()
                return self._filler()
            if pending is self._pending:
                self._pending = None
            if pending.cancelled():
                continue  # switched while waiting
            if pending.exception() is not None:
                if self._source is source:
                    logger.info("%s: source ended, playing filler", self.label)
                    self._drop_source()
                continue
            frame = pending.result()
            if not self._source_started:
                self._source_started = True
                logger.info("%s: first frame from its source", self.label)
            if isinstance(frame, Packet) and self.kind == "audio":
                sound = self._from_audio_packet(frame)
                if sound is None:
                    continue
                self._stalled = False
                return sound
            if isinstance(frame, Packet):
                out = await self._from_packet(frame)
                if out is None:  # no key frame yet: hold the picture, fill if it takes long
                    hold = 1 / self._filler_rate() if self._stalled else self._stall_timeout()
                    if time.monotonic() - self._last_output < hold:
                        continue
                    self._stalled = True
                    return self._filler()
                self._stalled = False
                return out
            self._stalled = False
            if self.kind == "video":
                assert isinstance(frame, VideoFrame)
                return self._forward_frame(copy_video(frame))
            assert isinstance(frame, AudioFrame)
            self._audio_out.extend(self._normalize(frame))
            if self._audio_out:
                self.frames_forwarded += 1
                return self._stamp_audio(self._audio_out.pop(0))

    def _forward_frame(self, frame: VideoFrame) -> VideoFrame:
        self._size = (frame.width, frame.height)
        self.frames_forwarded += 1
        self._forwarded_last = False
        return self._stamp_video(frame)

    async def _from_packet(self, packet: Packet) -> Packet | VideoFrame | None:
        """What to send for an encoded VP8 packet: itself, its picture, or nothing yet."""
        data = bytes(packet)  # our own copy: the relay hands one object to every consumer
        size = vp8_keyframe_size(data)
        if size is not None:
            if self._keyframe_wanted and self._wanted_since is not None:
                logger.info("%s: key frame after %d dropped packets, %.0f ms", self.label,
                            self._dropped, (time.monotonic() - self._wanted_since) * 1000)  # fmt: skip
            self._size = size
            self._keyframe_wanted = False
            self._wanted_since, self._dropped = None, 0
        elif self._keyframe_wanted:
            if self._wanted_since is None:
                self._wanted_since = time.monotonic()
            self._dropped += 1
            self.packets_dropped += 1
            self.request_keyframe()
            return None
        if self.codec != VP8:
            return await self._decoded(data)
        out = Packet(data)
        out.is_keyframe = size is not None
        self.frames_forwarded += 1
        self.packets_forwarded += 1
        self._forwarded_last = True
        return self._stamp_video(out)

    def _from_audio_packet(self, packet: Packet) -> Packet | AudioFrame | None:
        """What to send for an Opus packet: itself, restamped on our sample count, or (for a
        peer without Opus) its sound; nothing for a packet that is not valid Opus."""
        data = bytes(packet)  # our own copy, as for video
        samples = opus_samples(data)
        if samples is None:
            return None
        if self.codec != OPUS:
            if self._opus_decoder is None:
                self._opus_decoder = OpusDecoder()
            for decoded in self._opus_decoder.decode(JitterFrame(data, 0)):
                assert isinstance(decoded, AudioFrame)
                self._audio_out.extend(self._normalize(decoded))
            return self._stamp_audio(self._audio_out.pop(0)) if self._audio_out else None
        out = Packet(data)
        out.pts, out.time_base = self._samples, AUDIO_TIME_BASE
        self._samples += samples
        self.frames_forwarded += 1
        self.packets_forwarded += 1
        return out

    async def _decoded(self, data: bytes) -> VideoFrame | None:
        """Decode for a peer that takes another codec (its sender then encodes the frame)."""
        if self._vp8_decoder is None:
            self._vp8_decoder = Vp8Decoder()
        decoder = self._vp8_decoder
        loop = asyncio.get_running_loop()
        try:
            frames = await loop.run_in_executor(None, decoder.decode, JitterFrame(data, 0))
        except av.FFmpegError as exc:  # corrupt data: start over from a key frame
            logger.warning("%s: cannot decode a forwarded frame: %s", self.label, exc)
            self.picture_lost()
            return None
        if not frames or self._vp8_decoder is not decoder:  # none, or switched meanwhile
            return None
        frame = frames[-1]
        assert isinstance(frame, VideoFrame)
        return self._forward_frame(frame)

    def _stall_timeout(self) -> float:
        return VIDEO_STALL_S if self.kind == "video" else AUDIO_STALL_S

    def _filler_rate(self) -> float:
        return FILLER_FPS if self.kind == "video" else AUDIO_RATE / AUDIO_SAMPLES

    async def _paced_filler(self) -> Frame:
        now = time.monotonic()
        # Re-anchor after forwarding so silence does not come out in a burst to "catch up".
        self._next_filler = max(self._next_filler, now - 1 / self._filler_rate())
        if self._next_filler > now:
            await asyncio.sleep(self._next_filler - now)
        self._next_filler += 1 / self._filler_rate()
        if self.readyState != "live":
            raise MediaStreamError
        return self._filler()

    def _filler(self) -> Frame:
        self.frames_filled += 1
        if self.kind == "video":
            if self._black is None or (self._black.width, self._black.height) != self._size:
                self._black = black_frame(*self._size)
            # After forwarded packets the far end's references are the source's frames, not our
            # encoder's: start over from a key frame, and forward again only from a key frame.
            self._black.pict_type = PictureType.I if self._forwarded_last else PictureType.NONE
            self._forwarded_last = False
            self._keyframe_wanted = True
            # Our own object, used by our own encoder only, one frame at a time: safe to reuse.
            return self._stamp_video(self._black)
        if self._silence is None:
            self._silence = silence_frame()
        return self._stamp_audio(self._silence)

    def _stamp_video(self, frame: _Video) -> _Video:
        assert self._t0 is not None
        self._last_output = now = time.monotonic()
        pts = round((now - self._t0) * VIDEO_CLOCK_RATE)
        self._last_pts = max(pts, self._last_pts + 1)
        frame.pts = self._last_pts
        frame.time_base = VIDEO_TIME_BASE
        return frame

    def _stamp_audio(self, frame: AudioFrame) -> AudioFrame:
        frame.pts = self._samples
        frame.time_base = AUDIO_TIME_BASE
        self._samples += frame.samples
        return frame


# --------------------------------------------------------------------------------------------
# Participants and rooms


@dataclass(eq=False)
class Participant:
    consultation_id: int
    role: str
    session: str
    pc: RTCPeerConnection
    audio_only: bool = False
    resumed: bool = False  # takes over from an earlier connection: "reconnected" when connected
    muted: bool = False  # as the client last reported it
    camera: bool = True
    quality: str = "unknown"  # the client's own rating from its WebRTC stats (last poll)
    rtt_ms: int | None = None
    loss_pct: float | None = None
    announced: bool = False  # joined / reconnected recorded for this connection
    inbound: dict[str, MediaStreamTrack] = field(default_factory=dict)
    keyframes: dict[str, KeyframeSource] = field(default_factory=dict)  # by inbound kind
    outbound: list[ForwardingTrack] = field(default_factory=list)
    drains: list[asyncio.Task[None]] = field(default_factory=list)
    closed: bool = False

    @property
    def id(self) -> str:
        return f"{self.consultation_id}/{self.role}/{self.session}"

    @property
    def state(self) -> str:
        return str(self.pc.connectionState)

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for out in self.outbound:
            out.stop()
        for task in self.drains:
            task.cancel()
        await self.pc.close()
        for track in self.inbound.values():
            _end_remote_track(track)
        logger.info("Participant(%s) closed", self.id)


def _end_remote_track(track: MediaStreamTrack) -> None:
    """End an inbound track even if its receiver never started (aiortc 1.16 then never ends it).

    Its readers (the relay's worker) wait on the track's queue; a None there is aiortc's own
    end-of-track signal. Harmless if the decoder thread already sent one.
    """
    queue = getattr(track, "_queue", None)
    if isinstance(queue, asyncio.Queue) and track.readyState == "live":
        queue.put_nowait(None)


async def _drain(track: MediaStreamTrack) -> None:
    """Keep reading an inbound track so aiortc's unbounded receive queue never backs up."""
    with contextlib.suppress(MediaStreamError):
        while True:
            await track.recv()


@dataclass
class CallMemory:
    """What outlives a call's room: roles that dropped out without hanging up (their next
    connection is a "reconnected") and client sessions replaced by a newer one (another tab),
    which may not come back on their own."""

    lost: set[str] = field(default_factory=set)
    superseded: dict[str, set[str]] = field(default_factory=dict)


MEMORY_LIMIT = 10_000  # calls remembered; the oldest are forgotten first


class CallRoom:
    """One consultation's participants (by role), the tracks they send, and the relay."""

    def __init__(self, consultation_id: int) -> None:
        self.consultation_id = consultation_id
        self.participants: dict[str, Participant] = {}
        self.relay = MediaRelay()
        self.lock = asyncio.Lock()
        self.pending_left: dict[str, asyncio.TimerHandle] = {}
        # Told after every rewire (a recorder follows the room's tracks: consult.media.recorder).
        self.on_rewire: Callable[[CallRoom], None] | None = None

    def inbound(self, role: str, kind: str) -> MediaStreamTrack | None:
        """The live track of `kind` that `role` sends, if connected (for recorder / monitor)."""
        participant = self.participants.get(role)
        if participant is None:
            return None
        track = participant.inbound.get(kind)
        return track if track is not None and track.readyState == "live" else None

    def keyframe_source(self, role: str) -> Keyframes | None:
        """Where to ask `role`'s video sender for a key frame (for a recorder starting)."""
        participant = self.participants.get(role)
        return participant.keyframes.get("video") if participant is not None else None

    def states(self) -> dict[str, str]:
        return {role: p.state for role, p in self.participants.items()}

    def links(self) -> dict[str, Link]:
        """Each participant's connection: state and what its browser measured."""
        return {
            role: Link(p.state, p.quality, p.rtt_ms, p.loss_pct)
            for role, p in self.participants.items()
        }

    def tracks(self) -> dict[str, dict[str, MediaStreamTrack]]:
        """Every live inbound track by role and kind (what a recorder or monitor subscribes to)."""
        out: dict[str, dict[str, MediaStreamTrack]] = {}
        for role in self.participants:
            kinds = {kind: t for kind in ("audio", "video") if (t := self.inbound(role, kind))}
            if kinds:
                out[role] = kinds
        return out

    def add_inbound(self, participant: Participant, track: MediaStreamTrack) -> None:
        if track.kind not in ("audio", "video"):
            return
        previous = participant.inbound.get(track.kind)
        if previous is not None:
            logger.warning(
                "Participant(%s) sent a second %s track; forwarding the first only",
                participant.id,
                track.kind,
            )
            participant.drains.append(asyncio.ensure_future(_drain(track)))
            return
        participant.inbound[track.kind] = track
        receiver = next(
            (t.receiver for t in participant.pc.getTransceivers() if t.receiver.track is track),
            None,
        )
        if receiver is not None:
            participant.keyframes[track.kind] = KeyframeSource(receiver)
        sink = self.relay.subscribe(track, buffered=False)
        participant.drains.append(asyncio.ensure_future(_drain(sink)))
        track.on("ended", self.rewire)
        self.rewire()

    def rewire(self) -> None:
        """Point every outbound track at the inbound track it should carry now (idempotent)."""
        for participant in self.participants.values():
            for out in participant.outbound:
                if out.readyState != "live":
                    continue
                source = self.participants.get(out.source_role)
                keyframes = source.keyframes.get(out.kind) if source is not None else None
                out.attach(self.inbound(out.source_role, out.kind), self.relay, keyframes)
        if self.on_rewire is not None:
            self.on_rewire(self)


# --------------------------------------------------------------------------------------------
# SDP


_NON_MEDIA_CODECS = frozenset({"rtx", "red", "ulpfec", "flexfec-03"})
_RTPMAP_RE = re.compile(r"^a=rtpmap:(\d+) ([^/\s]+)/")
_FMTP_RE = re.compile(r"^a=fmtp:(\d+) (.*)$")


def add_video_min_bitrate(sdp: str, kbps: int) -> str:
    """Add `x-google-min-bitrate=<kbps>` to every video codec's fmtp line in an SDP.

    Chromium's bandwidth estimate towards aiortc stays low (74 to 400 kbps, even on loopback)
    and it then drops to 320x240; this hint in the answer keeps its sender at or above `kbps`.
    Other browsers ignore the parameter.
    """
    lines = sdp.splitlines()
    out: list[str] = []
    in_video = False
    codec_lines: dict[str, int] = {}  # payload type -> index of its rtpmap line in `out`
    fmtp_lines: dict[str, int] = {}

    def flush() -> None:
        for pt, index in codec_lines.items():
            if pt in fmtp_lines:
                line = out[fmtp_lines[pt]]
                if "x-google-min-bitrate=" not in line:
                    out[fmtp_lines[pt]] = f"{line};x-google-min-bitrate={kbps}"
            else:
                out[index] += f"\r\na=fmtp:{pt} x-google-min-bitrate={kbps}"
        codec_lines.clear()
        fmtp_lines.clear()

    for line in lines:
        if line.startswith("m="):
            flush()
            in_video = line.startswith("m=video ")
        elif in_video:
            if (m := _RTPMAP_RE.match(line)) and m.group(2).lower() not in _NON_MEDIA_CODECS:
                codec_lines[m.group(1)] = len(out)
            elif m := _FMTP_RE.match(line):
                fmtp_lines[m.group(1)] = len(out)
        out.append(line)
    flush()
    return "\r\n".join(out) + "\r\n"


def _sending_codecs(sdp: str) -> dict[str, str]:
    """The codec each section of our answer sends with, by mid: aiortc sends with the first."""
    out: dict[str, str] = {}
    for media in SessionDescription.parse(sdp).media:
        codecs = [c for c in media.rtp.codecs if c.mimeType.split("/")[1].lower() != "rtx"]
        if media.rtp.muxId and codecs:
            out[media.rtp.muxId] = codecs[0].mimeType.lower()
    return out


def _pass_keyframe_requests(sender: RTCRtpSender, track: ForwardingTrack) -> None:
    """Send a key frame request from the far end (RTCP PLI / FIR) on to our track's source.

    aiortc's sender only flags its own encoder on such a request (`_send_keyframe`); forwarded
    packets come from the source's encoder, which is the one that must start over.
    """
    own = sender._send_keyframe

    def send_keyframe() -> None:
        own()
        track.request_keyframe()

    sender._send_keyframe = send_keyframe  # type: ignore[method-assign]


# --------------------------------------------------------------------------------------------
# Registry


def _rtc_ice_server(spec: Mapping[str, object]) -> RTCIceServer:
    urls = spec.get("urls")
    if not (isinstance(urls, str) or (isinstance(urls, list) and urls)):
        raise ValueError(f"ICE server needs 'urls' (a string or a non-empty list): {spec!r}")
    username = spec.get("username")
    credential = spec.get("credential")
    return RTCIceServer(
        urls=urls if isinstance(urls, str) else [str(u) for u in urls],
        username=str(username) if username is not None else None,
        credential=str(credential) if credential is not None else None,
    )


class MediaRegistry:
    """The one registry of live peer connections in this process."""

    def __init__(
        self,
        ice_servers: Sequence[Mapping[str, object]] = (),
        *,
        min_video_kbps: int | None = DEFAULT_MIN_VIDEO_KBPS,
        negotiation_timeout: float = NEGOTIATION_TIMEOUT_S,
        on_event: EventSink | None = None,
        unload_grace: float = UNLOAD_GRACE_S,
    ) -> None:
        self.ice_servers: list[dict[str, object]] = [dict(s) for s in ice_servers]
        self._rtc_ice_servers = [_rtc_ice_server(s) for s in self.ice_servers]
        self.min_video_kbps = min_video_kbps
        self.negotiation_timeout = negotiation_timeout
        self.on_event = on_event
        self.unload_grace = unload_grace
        self._rooms: dict[int, CallRoom] = {}
        self._memory: dict[int, CallMemory] = {}  # insertion order: oldest first
        self._tasks: set[asyncio.Future[None]] = set()
        self._last_delivery: asyncio.Future[None] | None = None
        self._closed = False
        self._recorders: dict[int, CallRecorder] = {}  # calls being recorded

    @property
    def rooms(self) -> Mapping[int, CallRoom]:
        """Live rooms by consultation id (read-only view)."""
        return MappingProxyType(self._rooms)

    def participants(self, consultation_id: int) -> dict[str, str]:
        """Connection state by role, e.g. {"customer": "connected", "staff": "connecting"}."""
        room = self._rooms.get(consultation_id)
        return room.states() if room is not None else {}

    def links(self, consultation_id: int) -> dict[str, Link]:
        """Connection state and the browser's measured quality, by role."""
        room = self._rooms.get(consultation_id)
        return room.links() if room is not None else {}

    def tracks_of(self, consultation_id: int) -> dict[str, dict[str, MediaStreamTrack]]:
        """The call's live inbound tracks, {role: {kind: track}}: what a recorder or a silent
        monitor subscribes to (through `relay_of`, never reading a track directly)."""
        room = self._rooms.get(consultation_id)
        return room.tracks() if room is not None else {}

    def start_recording(self, consultation_id: int, recorder: CallRecorder) -> None:
        """Have `recorder` follow this call's tracks (now, and whenever they change)."""
        self._recorders[consultation_id] = recorder
        room = self._rooms.get(consultation_id)
        if room is not None:
            recorder.rewire(room)

    def recorder_of(self, consultation_id: int) -> CallRecorder | None:
        return self._recorders.get(consultation_id)

    async def stop_recording(self, consultation_id: int) -> CallRecorder | None:
        """Stop the call's recorder (its files are closed, still `.part`)."""
        recorder = self._recorders.pop(consultation_id, None)
        if recorder is not None:
            await recorder.stop()
        return recorder

    def _rewire_recorder(self, room: CallRoom) -> None:
        recorder = self._recorders.get(room.consultation_id)
        if recorder is not None:
            recorder.rewire(room)

    def relay_of(self, consultation_id: int) -> MediaRelay | None:
        room = self._rooms.get(consultation_id)
        return room.relay if room is not None else None

    def status(self, consultation_id: int, role: str, session: str | None) -> dict[str, Any]:
        """What a client polls: whether it is still the current client, and the other side."""
        room = self._rooms.get(consultation_id)
        me = room.participants.get(role) if room else None
        replaced = self._memory.get(consultation_id)
        if replaced is not None and session and session in replaced.superseded.get(role, set()):
            you = "superseded"
        elif me is not None and (session is None or me.session == session):
            you = me.state
        else:
            you = "absent"
        peers = []
        for source in ROLE_SOURCES.get(role, ()):
            other = room.participants.get(source) if room else None
            peers.append(
                {
                    "role": source,
                    "state": other.state if other else "absent",
                    "audio_only": other.audio_only if other else False,
                    "muted": other.muted if other else False,
                    "camera": other.camera if other else False,
                }
            )
        return {"you": you, "peers": peers}

    def report(
        self,
        consultation_id: int,
        role: str,
        session: str | None,
        *,
        muted: bool | None,
        camera: bool | None,
        quality: str | None = None,
        rtt_ms: int | None = None,
        loss_pct: float | None = None,
    ) -> bool:
        """Store what the current client says about its microphone, camera and connection.

        True when its quality rating changed (the supervisors' board shows it)."""
        room = self._rooms.get(consultation_id)
        me = room.participants.get(role) if room else None
        if me is None or (session is not None and me.session != session):
            return False
        if muted is not None:
            me.muted = muted
        if camera is not None:
            me.camera = camera
        if quality is None:
            return False
        changed = quality != me.quality
        me.quality, me.rtt_ms, me.loss_pct = quality, rtt_ms, loss_pct
        return changed

    def _configuration(self) -> RTCConfiguration:
        # Never RTCConfiguration() / RTCPeerConnection(): their default is Google's public STUN.
        # max-bundle: with aiortc 1.16's default ("balanced"), an answerer given two sections of
        # one kind (a monitor's offer) leaves the second on a transport it has just discarded,
        # and that section never sends. Every browser offers BUNDLE.
        return RTCConfiguration(
            iceServers=list(self._rtc_ice_servers), bundlePolicy=RTCBundlePolicy.MAX_BUNDLE
        )

    async def _locked_room(self, consultation_id: int) -> CallRoom:
        """The room, with its lock held by the caller's `async with` right after this returns."""
        while True:
            room = self._rooms.setdefault(consultation_id, CallRoom(consultation_id))
            room.on_rewire = self._rewire_recorder
            await room.lock.acquire()
            if self._rooms.get(consultation_id) is room:
                return room
            room.lock.release()  # removed while we waited: take the new one

    def _forget_if_empty(self, room: CallRoom) -> None:
        if (
            not room.participants
            and not room.pending_left
            and self._rooms.get(room.consultation_id) is room
        ):
            del self._rooms[room.consultation_id]

    def memory(self, consultation_id: int) -> CallMemory:
        memory = self._memory.get(consultation_id)
        if memory is None:
            memory = self._memory[consultation_id] = CallMemory()
            while len(self._memory) > MEMORY_LIMIT:
                del self._memory[next(iter(self._memory))]
        return memory

    # -- events ------------------------------------------------------------------------------

    def _emit(self, consultation_id: int, kind: str, role: str | None, **detail: Any) -> None:
        logger.info("call %s: %s %s %s", consultation_id, role, kind, detail or "")
        if self.on_event is not None:
            previous, self._last_delivery = self._last_delivery, None
            task = asyncio.ensure_future(
                self._deliver(previous, consultation_id, kind, role, detail)
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            self._last_delivery = task

    async def _deliver(
        self,
        previous: asyncio.Future[None] | None,
        consultation_id: int,
        kind: str,
        role: str | None,
        detail: dict[str, Any],
    ) -> None:
        """Store one event after the one emitted before it: "joined" before "audio_only"."""
        assert self.on_event is not None
        if previous is not None:
            with contextlib.suppress(BaseException):
                await asyncio.shield(previous)
        try:
            await self.on_event(consultation_id, kind, role, detail)
        except Exception:  # an event that cannot be stored must not take the call down
            logger.exception("call %s: could not store event %s", consultation_id, kind)

    def _on_connected(self, room: CallRoom, participant: Participant) -> None:
        if participant.announced or room.participants.get(participant.role) is not participant:
            return
        participant.announced = True
        role, memory = participant.role, self.memory(room.consultation_id)
        resumed = participant.resumed or role in memory.lost
        memory.lost.discard(role)
        self._emit(room.consultation_id, "reconnected" if resumed else "joined", role,
                   audio_only=participant.audio_only)  # fmt: skip
        if participant.audio_only and not resumed:
            self._emit(room.consultation_id, "audio_only", role)

    # -- joining and leaving -------------------------------------------------------------------

    async def join(
        self,
        consultation_id: int,
        role: str,
        offer_sdp: str,
        offer_type: str = "offer",
        *,
        session: str | None = None,
        reason: str = "join",
        audio_only: bool = False,
        take_over: bool = False,
    ) -> tuple[str, str]:
        """Answer a participant's offer; replaces that role's previous connection, if any.

        Returns the answer as (sdp, type). `session` names the client instance (one per page
        load) so that a late `leave` from an old instance cannot hang up a newer one. The
        newest client wins: a client replaced by another session (a second tab) is refused
        with `Superseded` unless it asks to `take_over` again. `reason` "recover" says the
        client lost its connection (aiortc 1.16 has no ICE restart: a fresh peer connection
        per recovery stands in for it, and the other side keeps its own connection).
        """
        if role not in ROLE_SOURCES:
            raise UnknownRole(f"unknown role {role!r}")
        if self._closed:
            raise RegistryClosed("the media registry is shut down")
        room = await self._locked_room(consultation_id)
        memory = self.memory(consultation_id)
        try:
            replaced = memory.superseded.setdefault(role, set())
            if session and session in replaced:
                if not take_over:
                    raise Superseded("this call is open in another tab")
                replaced.discard(session)
            pending = room.pending_left.pop(role, None)
            if pending is not None:
                pending.cancel()
            old = room.participants.pop(role, None)
            if old is not None:
                if session and old.session != session:
                    replaced.add(old.session)
                logger.info("Participant(%s) replaced by a new connection", old.id)
                room.rewire()
                await old.close()
            # A client recovering is a lost connection, even one the server had not noticed.
            if reason == "recover" and role not in memory.lost:
                memory.lost.add(role)
                self._emit(consultation_id, "connection_lost", role, detected_by="client")
            participant = Participant(
                consultation_id=consultation_id,
                role=role,
                session=session or uuid.uuid4().hex[:12],
                pc=RTCPeerConnection(self._configuration()),
                audio_only=audio_only,
                resumed=old is not None or pending is not None,
                camera=not audio_only,
            )
            if reason == "mode" and old is not None:
                participant.announced = True  # same presence, other media: no reconnection
                if audio_only and not old.audio_only:
                    self._emit(consultation_id, "audio_only", role)
            try:
                async with asyncio.timeout(self.negotiation_timeout):
                    answer = await self._negotiate(room, participant, offer_sdp, offer_type)
            except BaseException as exc:
                await participant.close()
                self._forget_if_empty(room)
                if isinstance(exc, Exception) and not isinstance(exc, MediaError):
                    raise NegotiationError(f"cannot answer the offer: {exc}") from exc
                raise
            if self._closed:  # shut down while we negotiated
                await participant.close()
                raise RegistryClosed("the media registry is shut down")
            room.participants[role] = participant
            room.rewire()
            if participant.state == "connected":
                self._on_connected(room, participant)
            logger.info("Participant(%s) joined", participant.id)
            return answer
        finally:
            room.lock.release()

    async def _negotiate(
        self, room: CallRoom, participant: Participant, offer_sdp: str, offer_type: str
    ) -> tuple[str, str]:
        pc = participant.pc
        log_id = participant.id

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            logger.info("Participant(%s) sends %s", log_id, track.kind)
            forward_encoded(track)  # before its receiver starts, which is after the answer
            room.add_inbound(participant, track)

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            state = pc.connectionState
            logger.info("Participant(%s) connection %s", log_id, state)
            if state == "connected":
                self._on_connected(room, participant)
            if state in ("failed", "closed") and not participant.closed:
                self._spawn(self._drop(participant))

        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type=offer_type))
        sources = {kind: list(ROLE_SOURCES[participant.role]) for kind in ("audio", "video")}
        for transceiver in pc.getTransceivers():
            kind = transceiver.kind
            if kind not in sources or not sources[kind]:
                continue
            source_role = sources[kind].pop(0)
            track = ForwardingTrack(
                kind, source_role, f"Participant({log_id}) {kind}<-{source_role}"
            )
            participant.outbound.append(track)
            sender = pc.addTrack(track)  # fills the first transceiver of this kind without a track
            _pass_keyframe_requests(sender, track)
        answer = await pc.createAnswer()
        await pc.setLocalDescription(answer)  # gathers all candidates: no trickle
        local = pc.localDescription
        sdp = local.sdp
        sending = _sending_codecs(sdp)
        for transceiver in pc.getTransceivers():
            out = transceiver.sender.track
            if isinstance(out, ForwardingTrack):
                out.codec = sending.get(transceiver.mid or "", "")
        if self.min_video_kbps:
            sdp = add_video_min_bitrate(sdp, self.min_video_kbps)
        return sdp, local.type

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drop(self, participant: Participant) -> None:
        """Remove a participant whose connection failed or closed (not hung up, not replaced)."""
        room = await self._locked_room(participant.consultation_id)
        try:
            if room.participants.get(participant.role) is participant:
                del room.participants[participant.role]
                room.rewire()
                if participant.announced:
                    self.memory(room.consultation_id).lost.add(participant.role)
                    self._emit(room.consultation_id, "connection_lost", participant.role,
                               detected_by="server")  # fmt: skip
            await participant.close()
            self._forget_if_empty(room)
        finally:
            room.lock.release()

    async def leave(
        self,
        consultation_id: int,
        role: str,
        session: str | None = None,
        *,
        reason: str = "hangup",
    ) -> bool:
        """Hang up `role` in this call. With `session`, only if that client is the current one.

        `reason` "unload" (the page went away, perhaps to reload) records "left" only if the
        participant is not back within `unload_grace` seconds. Returns whether a connection
        was closed.
        """
        if consultation_id not in self._rooms:
            return False
        room = await self._locked_room(consultation_id)
        memory = self.memory(consultation_id)
        try:
            participant = room.participants.get(role)
            if participant is None or (session is not None and participant.session != session):
                self._forget_if_empty(room)
                return False
            del room.participants[role]
            room.rewire()
            await participant.close()
            logger.info("Participant(%s) left (%s)", participant.id, reason)
            if reason == "unload" and self.unload_grace > 0:
                loop = asyncio.get_running_loop()
                room.pending_left[role] = loop.call_later(
                    self.unload_grace, self._left_after_grace, room, role
                )
            else:
                memory.lost.discard(role)
                self._emit(consultation_id, "left", role)
                self._forget_if_empty(room)
            return True
        finally:
            room.lock.release()

    def _left_after_grace(self, room: CallRoom, role: str) -> None:
        if room.pending_left.pop(role, None) is None:
            return
        self.memory(room.consultation_id).lost.discard(role)
        self._emit(room.consultation_id, "left", role)
        self._forget_if_empty(room)

    async def end_call(self, consultation_id: int) -> int:
        """Close every connection of a call that has ended. Returns how many were closed.

        "ended" itself is recorded by whoever ends the call (consult.calls.consultations.end).
        """
        room = self._rooms.pop(consultation_id, None)
        if room is None:
            return 0
        async with room.lock:
            for handle in room.pending_left.values():
                handle.cancel()
            participants = list(room.participants.values())
            room.participants.clear()
            await asyncio.gather(*(p.close() for p in participants), return_exceptions=True)
        logger.info("call %s ended: closed %d connection(s)", consultation_id, len(participants))
        return len(participants)

    async def close_all(self) -> None:
        """Close every peer connection (app shutdown). The registry accepts no joins after."""
        self._closed = True
        rooms = list(self._rooms.values())
        self._rooms.clear()
        participants = [p for room in rooms for p in room.participants.values()]
        for room in rooms:
            room.participants.clear()
            for handle in room.pending_left.values():
                handle.cancel()
        await asyncio.gather(*(p.close() for p in participants), return_exceptions=True)
        recorders = list(self._recorders.values())
        self._recorders.clear()
        await asyncio.gather(*(r.stop() for r in recorders), return_exceptions=True)
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        logger.info("MediaRegistry closed %d peer connection(s)", len(participants))
