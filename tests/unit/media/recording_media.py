"""Encoded media for recording tests: VP8 and Opus packets made here (encoding only in tests)."""

from __future__ import annotations

import fractions

import numpy as np
from av import AudioFrame, CodecContext, VideoFrame
from av.audio.codeccontext import AudioCodecContext
from av.video.codeccontext import VideoCodecContext
from av.video.frame import PictureType


def vp8_frames(
    count: int,
    size: tuple[int, int] = (160, 120),
    keyframes: set[int] | None = None,
    flash: set[int] | None = None,
) -> list[bytes]:
    """`count` VP8 frames, grey, white where the index is in `flash`; key frames as given."""
    width, height = size
    encoder = CodecContext.create("libvpx", "w")
    assert isinstance(encoder, VideoCodecContext)
    encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuv420p"
    encoder.time_base = fractions.Fraction(1, 30)
    encoder.gop_size = 3000
    encoder.options = {"deadline": "realtime", "lag-in-frames": "0"}
    keyframes = {0} if keyframes is None else keyframes
    out: list[bytes] = []
    for index in range(count):
        value = 235 if flash and index in flash else 60
        image = np.full((height, width, 3), value, dtype=np.uint8)
        frame = VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
        frame.pts = index
        frame.pict_type = PictureType.I if index in keyframes else PictureType.NONE
        out += [bytes(p) for p in encoder.encode(frame)]
    return out


def opus_packets(count: int, beep: set[int] | None = None) -> list[bytes]:
    """`count` 20 ms Opus packets of silence, a 1 kHz tone where the index is in `beep`."""
    encoder = CodecContext.create("libopus", "w")
    assert isinstance(encoder, AudioCodecContext)
    encoder.sample_rate, encoder.layout, encoder.format = 48_000, "stereo", "s16"
    encoder.time_base = fractions.Fraction(1, 48_000)
    out: list[bytes] = []
    t = np.arange(960) / 48_000
    for index in range(count):
        loud = beep is not None and index in beep
        mono = (np.sin(2 * np.pi * 1000 * t) * 12000 if loud else np.zeros(960)).astype(np.int16)
        frame = AudioFrame.from_ndarray(
            np.repeat(mono, 2).reshape(1, -1), format="s16", layout="stereo"
        )
        frame.sample_rate = 48_000
        frame.pts = index * 960
        out += [bytes(p) for p in encoder.encode(frame)]
    return out
