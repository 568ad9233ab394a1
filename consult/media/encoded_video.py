"""Forward VP8 video and Opus audio through the server without decoding and re-encoding them.

aiortc 1.16 decodes everything it receives: each receiver's decoder thread asks
`rtcrtpreceiver.get_decoder(codec)` for a decoder and queues what it returns onto the track. Its
sender, though, packetizes pre-encoded `av.Packet`s as well as encoding frames. So a receiver
marked with `forward_encoded` gets a "decoder" for VP8 and Opus that hands on the reassembled
frame's bytes as a packet; the call's forwarding tracks pass those packets to their senders
untouched. Re-encoding every relayed frame was the server's largest cost (about 0.85 of a core
per 1:1 call at 640x480) and it added a generation of compression loss.

The hook is installed once per process and changes nothing for receivers nobody marked (other
codecs, and aiortc peers the process runs as clients, as the integration tests do): those
decode as before.

No Reflex here.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import weakref
from fractions import Fraction
from typing import Any, Protocol

from aiortc import MediaStreamTrack, RTCRtpReceiver, rtcrtpreceiver
from aiortc.codecs.base import Decoder
from aiortc.jitterbuffer import JitterFrame
from aiortc.mediastreams import VIDEO_TIME_BASE
from av import Packet

logger = logging.getLogger(__name__)

VP8 = "video/vp8"
OPUS = "audio/opus"
OPUS_TIME_BASE = Fraction(1, 48_000)
KEYFRAME_REQUEST_INTERVAL_S = 0.5  # at most this often per upstream: a PLI storm helps nobody

_forwarded_queues: weakref.WeakSet[asyncio.Queue[Any]] = weakref.WeakSet()
_thread = threading.local()  # whether the decoder thread running here serves a marked track
_install_lock = threading.Lock()
_installed = False


class PictureLossWatcher(Protocol):
    def picture_lost(self) -> None: ...


class Keyframes(Protocol):
    """Where a forwarding track gets key frames from (KeyframeSource, for a real receiver)."""

    def request(self) -> None: ...
    def watch(self, watcher: PictureLossWatcher) -> None: ...
    def unwatch(self, watcher: PictureLossWatcher) -> None: ...


class Vp8Forwarder(Decoder):
    """A 'decoder' that returns the encoded VP8 frame as a packet, keyframes flagged."""

    def decode(self, encoded_frame: JitterFrame) -> list[Any]:
        packet = Packet(encoded_frame.data)
        packet.pts = encoded_frame.timestamp
        packet.time_base = VIDEO_TIME_BASE
        packet.is_keyframe = is_vp8_keyframe(encoded_frame.data)
        return [packet]


class OpusForwarder(Decoder):
    """A 'decoder' that returns the Opus packet as it came."""

    def decode(self, encoded_frame: JitterFrame) -> list[Any]:
        packet = Packet(encoded_frame.data)
        packet.pts = encoded_frame.timestamp
        packet.time_base = OPUS_TIME_BASE
        return [packet]


_FORWARDERS: dict[str, type[Decoder]] = {VP8: Vp8Forwarder, OPUS: OpusForwarder}

# RFC 6716 section 3.1: a packet's first byte (TOC) gives its configuration, and so the duration
# of each frame in it (in 48 kHz samples), and how many frames it holds.
_SILK_SAMPLES = (480, 960, 1920, 2880)  # 10, 20, 40, 60 ms
_HYBRID_SAMPLES = (480, 960)
_CELT_SAMPLES = (120, 240, 480, 960)  # 2.5, 5, 10, 20 ms


def opus_samples(data: bytes) -> int | None:
    """How many 48 kHz samples an Opus packet plays, or None if it is not a valid packet."""
    if not data:
        return None
    config, code = data[0] >> 3, data[0] & 3
    if config < 12:
        per_frame = _SILK_SAMPLES[config % 4]
    elif config < 16:
        per_frame = _HYBRID_SAMPLES[config % 2]
    else:
        per_frame = _CELT_SAMPLES[config % 4]
    if code == 0:
        frames = 1
    elif code in (1, 2):
        frames = 2
    elif len(data) >= 2:
        frames = data[1] & 0x3F
    else:
        return None
    samples = frames * per_frame
    return samples if 0 < samples <= 5760 else None  # at most 120 ms per packet


def is_vp8_keyframe(data: bytes) -> bool:
    """RFC 6386 section 9.1: bit 0 of the frame tag is 0 for a key frame, whose header then
    holds the start code 9d 01 2a."""
    return len(data) >= 10 and not data[0] & 1 and data[3:6] == b"\x9d\x01\x2a"


def vp8_keyframe_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a VP8 key frame's header, or None for any other frame."""
    if not is_vp8_keyframe(data):
        return None
    width = int.from_bytes(data[6:8], "little") & 0x3FFF  # the top 2 bits are scaling
    height = int.from_bytes(data[8:10], "little") & 0x3FFF
    return (width, height) if width and height else None


def forward_encoded(track: MediaStreamTrack) -> None:
    """Have this inbound track deliver VP8 or Opus as packets instead of decoded frames.

    Must be called before its receiver starts (from the peer connection's "track" event, which
    aiortc fires while applying the offer; the decoder thread starts once media flows).
    """
    install()
    queue = getattr(track, "_queue", None)
    if isinstance(queue, asyncio.Queue):
        _forwarded_queues.add(queue)


def is_forwarded(track: MediaStreamTrack) -> bool:
    """Whether `track` was marked by `forward_encoded` (VP8 / Opus arrive as packets)."""
    queue = getattr(track, "_queue", None)
    return isinstance(queue, asyncio.Queue) and queue in _forwarded_queues


def install() -> None:
    """Wrap aiortc's decoder thread and decoder lookup (idempotent)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        original_worker = rtcrtpreceiver.decoder_worker
        original_get_decoder = rtcrtpreceiver.get_decoder

        def decoder_worker(
            loop: asyncio.AbstractEventLoop,
            input_q: Any,
            output_q: asyncio.Queue[Any],
            decode_error: threading.Event,
        ) -> None:
            _thread.forward = output_q in _forwarded_queues
            original_worker(loop, input_q, output_q, decode_error)

        def get_decoder(codec: Any) -> Decoder:
            forwarder = _FORWARDERS.get(codec.mimeType.lower())
            if forwarder is not None and getattr(_thread, "forward", False):
                return forwarder()
            return original_get_decoder(codec)

        rtcrtpreceiver.decoder_worker = decoder_worker
        rtcrtpreceiver.get_decoder = get_decoder
        _installed = True


class KeyframeSource:
    """One inbound video's sender, seen from the tracks that forward its packets.

    `request()` asks it for a key frame (an RTCP PLI), rate-limited. Whenever a PLI goes out on
    this receiver, ours or aiortc's own (its jitter buffer gave up on a lost frame), every
    watching track drops packets until the key frame: the frames after a loss refer to a picture
    the far end never got, and a decoder fed them shows garbage rather than an error.
    """

    def __init__(self, receiver: RTCRtpReceiver) -> None:
        self._receiver = receiver
        self._last = -KEYFRAME_REQUEST_INTERVAL_S
        self._tasks: set[asyncio.Task[None]] = set()
        self._watchers: weakref.WeakSet[PictureLossWatcher] = weakref.WeakSet()
        send_pli = receiver._send_rtcp_pli

        async def send_pli_and_tell(media_ssrc: int) -> None:
            for watcher in list(self._watchers):
                watcher.picture_lost()
            await send_pli(media_ssrc)

        receiver._send_rtcp_pli = send_pli_and_tell  # type: ignore[method-assign]

    def watch(self, watcher: PictureLossWatcher) -> None:
        self._watchers.add(watcher)

    def unwatch(self, watcher: PictureLossWatcher) -> None:
        self._watchers.discard(watcher)

    def request(self) -> None:
        now = time.monotonic()
        if now - self._last < KEYFRAME_REQUEST_INTERVAL_S:
            return
        self._last = now
        # Every SSRC heard lately: the media one and, harmlessly, its retransmission one.
        for source in self._receiver.getSynchronizationSources():
            task = asyncio.ensure_future(self._receiver._send_rtcp_pli(source.source))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
