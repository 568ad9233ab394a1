"""Recording a real call through the media plane: aiortc client peers flash and beep at known
instants; the recorder muxes what the server receives (no codec); the test decodes the files
and checks audio against picture in each file and the two participants' files against each
other."""

from __future__ import annotations

import asyncio
import fractions
import math
import time
from collections.abc import AsyncIterator
from pathlib import Path

import av
import httpx
import numpy as np
import pytest
from aiortc import MediaStreamTrack, VideoStreamTrack
from aiortc.mediastreams import MediaStreamError
from av import AudioFrame, VideoFrame
from starlette.applications import Starlette

from consult.media.recorder import CallRecorder, finalise
from consult.media.registry import MediaRegistry
from consult.media.rtc_api import rtc_routes
from tests.integration.media.test_rtc import CALL, Client, authorize, connected, until

PERIOD_S = 1.0  # a flash and a beep at the start of every second
FLASH_S = 0.1
START = time.time()  # aiortc's VideoStreamTrack paces on time.time() too


def on(at: float) -> bool:
    return (at - START) % PERIOD_S < FLASH_S


class FlashTrack(VideoStreamTrack):
    """Grey, white for 100 ms at the start of every second (on its frames' clock)."""

    def __init__(self) -> None:
        super().__init__()
        self._frames = {
            light: VideoFrame.from_ndarray(
                np.full((120, 160, 3), 235 if light else 60, dtype=np.uint8), format="rgb24"
            ).reformat(format="yuv420p")
            for light in (False, True)
        }

    async def recv(self) -> VideoFrame:
        pts, time_base = await self.next_timestamp()
        # The picture follows the frame's own clock (as a camera's timestamps do), so a busy
        # machine delaying a frame does not move the flash relative to its timestamp.
        frame = self._frames[on(self._start + pts * float(time_base))]
        frame.pts, frame.time_base = pts, time_base
        return frame


class BeepTrack(MediaStreamTrack):
    """Silence, a 1 kHz beep for 100 ms at the start of every second."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._samples = 0
        self._start: float | None = None

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        rate, n = 48_000, 960
        if self._start is None:
            self._start = time.time()
        else:
            await asyncio.sleep(max(0.0, self._start + self._samples / rate - time.time()))
        at = self._start + self._samples / rate
        t = (np.arange(n) + self._samples) / rate
        loud = np.array([on(at + i / rate) for i in range(n)])
        wave = (np.sin(2 * math.pi * 1000 * t) * 12000 * loud).astype(np.int16)
        frame = AudioFrame.from_ndarray(wave.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = rate
        frame.pts = self._samples
        frame.time_base = fractions.Fraction(1, rate)
        self._samples += n
        return frame


def flash_times(path: Path) -> list[float]:
    """File times (s) where the picture turns white."""
    out, light = [], False
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            bright = frame.to_ndarray(format="gray").mean() > 150
            if bright and not light:
                out.append(float(frame.time or 0.0))
            light = bright
    return out


def audio_end(path: Path) -> float:
    """Where the file's sound ends (s)."""
    with av.open(str(path)) as container:
        return max(float(p.pts * p.time_base) for p in container.demux(audio=0) if p.size)  # type: ignore[operator]


def beep_times(path: Path) -> list[float]:
    """File times (s) where the beep starts, to the 2.5 ms."""
    out, loud = [], False
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            samples = frame.to_ndarray().reshape(-1, frame.samples)[0]
            step = 120
            for i in range(0, frame.samples, step):
                level = np.abs(samples[i : i + step]).max()
                is_loud = level > (0.1 if samples.dtype.kind == "f" else 3000)
                if is_loud and not loud:
                    out.append(float(frame.time or 0.0) + i / frame.sample_rate)
                loud = is_loud
    return out


@pytest.fixture
async def registry() -> AsyncIterator[MediaRegistry]:
    reg = MediaRegistry([], unload_grace=0.5)
    yield reg
    await reg.close_all()


async def test_recorded_files_keep_sound_with_picture_and_sides_together(
    registry: MediaRegistry, tmp_path: Path
) -> None:
    app = Starlette(routes=rtc_routes(registry, authorize))
    transport = httpx.ASGITransport(app=app)
    clients: list[Client] = []
    async with httpx.AsyncClient(transport=transport, base_url="http://showroom.test") as http:
        try:
            for role in ("staff", "customer"):
                client = Client(http, role, sends=False)
                client.pc.addTrack(BeepTrack())
                client.pc.addTrack(FlashTrack())
                clients.append(client)
                await client.join(session=f"{role}-1")
            await until(connected(registry, "customer", "staff"))
            await asyncio.sleep(1.0)  # media flowing both ways
            recorder = CallRecorder(tmp_path, "c7")
            registry.start_recording(CALL, recorder)
            await asyncio.sleep(4.5)
            assert await registry.stop_recording(CALL) is recorder
        finally:
            for client in clients:
                await client.close()
    offsets = {role: recorder.start_offset_s(role) for role in ("customer", "staff")}
    files = {role: finalise(recorder.files[role].part_path).path for role in offsets}
    assert all(o is not None and 0 <= o < 1.5 for o in offsets.values()), offsets
    flashes: dict[str, list[float]] = {}
    for role, path in files.items():
        # A flash or beep already on when the file began shows as an onset at its start: skip.
        # So is one whose sound had not all arrived when recording stopped.
        end = audio_end(path) - 0.3
        flashes[role] = [t for t in flash_times(path) if 0.3 < t < end]
        beeps = [t for t in beep_times(path) if t > 0.1]
        assert len(flashes[role]) >= 3 and len(beeps) >= 3, (role, flashes[role], beeps)
        for flash in flashes[role]:
            nearest = min(beeps, key=lambda b: abs(b - flash))
            # ITU-R BT.1359: audio at most 45 ms ahead of the picture, 125 ms behind it.
            assert -0.045 <= nearest - flash <= 0.125, (role, flash, nearest)
    # The same instant, seen in both files through their start offsets: within 100 ms.
    customer_offset, staff_offset = offsets["customer"], offsets["staff"]
    assert customer_offset is not None and staff_offset is not None
    for flash in flashes["customer"]:
        common = flash + customer_offset
        nearest = min((f + staff_offset for f in flashes["staff"]), key=lambda f: abs(f - common))
        assert abs(nearest - common) <= 0.1, (common, nearest)
    for role, file in recorder.files.items():
        assert not any(c.is_open for c in file.codec_contexts()), role
