"""What recording costs the server: CPU per call with recording off and on, bytes written, and
the time to finalise a 10-minute recording.

A media server process (the app's `MediaRegistry`, answering offers over HTTP, and the app's
`CallRecorder`) is started on its own, so its CPU is measured alone (/proc/<pid>/stat). This
process plays the participants: per call, two aiortc peers (customer and staff) that send
pre-encoded 640x480 VP8 at 30 fps and Opus (20 ms packets) through the server, as browsers
would; they never decode what they receive (their inbound tracks are marked like the server's,
see consult.media.encoded_video). For 1, 5 and 10 concurrent calls: server CPU over a window
with recording off and with every call recorded, alternating three times (medians).

Finalising: a 10-minute WebM .part (one participant, video and audio, the same pre-encoded
packets) is written with the app's muxer, then timed through `finalise` (remux with cues and
duration, no codec).

Prints one JSON object as its last line: {"calls", "per_call_cpu_pct_off",
"per_call_cpu_pct_on", "record_overhead_pct" (each by number of calls, in % of one core per
call), "mb_per_min" (per recorded participant, from the 1-call row), "finalise_10min_s" (a recording stopped
normally), "recover_10min_s" (one cut off by a crash, remuxed at start-up),
"forwarded_fps_per_side" (video frames per second the server actually forwarded per
participant during the "off" window: below 30, the participants' process could not keep up and
the per-call figures for that row are not comparable)}.
A row whose calls could not all connect within 30 s (an overloaded machine) reports null.
Run: .venv/bin/python bench/recording.py [window_s] [calls, e.g. 1,5,10]
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError
from av import AudioFrame, CodecContext, Packet, VideoFrame
from av.audio.codeccontext import AudioCodecContext
from av.video.codeccontext import VideoCodecContext
from av.video.frame import PictureType

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from consult.media.encoded_video import forward_encoded
from consult.media.recorder import ParticipantFile, finalise, seal

CALLS = (1, 5, 10)
WINDOW_S = 10.0
WARM_UP_S = 4.0
ROUNDS = 3  # off / on windows, alternating; the medians are reported
WIDTH, HEIGHT, FPS = 640, 480, 30
LOOP_FRAMES = 60  # a key frame every 2 s, as a browser's sender might send them
VIDEO_KBPS = 1000
TICKS = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------------------------
# Pre-encoded media (encoded once, before anything is measured)


def vp8_loop() -> list[bytes]:
    encoder = CodecContext.create("libvpx", "w")
    assert isinstance(encoder, VideoCodecContext)
    encoder.width, encoder.height, encoder.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    encoder.time_base = fractions.Fraction(1, FPS)
    encoder.bit_rate = VIDEO_KBPS * 1000
    encoder.gop_size = 10_000
    encoder.options = {"deadline": "realtime", "lag-in-frames": "0", "cpu-used": "8"}
    out: list[bytes] = []
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    for index in range(LOOP_FRAMES):
        image = np.stack(
            [(x + index * 8) % 256, (y + index * 4) % 256, (x + y) % 256], axis=-1
        ).astype(np.uint8)
        frame = VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
        frame.pts = index
        frame.pict_type = PictureType.I if index == 0 else PictureType.NONE
        out += [bytes(p) for p in encoder.encode(frame)]
    return out


def opus_loop() -> list[bytes]:
    encoder = CodecContext.create("libopus", "w")
    assert isinstance(encoder, AudioCodecContext)
    encoder.sample_rate, encoder.layout, encoder.format = 48_000, "stereo", "s16"
    encoder.time_base = fractions.Fraction(1, 48_000)
    out: list[bytes] = []
    for index in range(50):
        t = (np.arange(960) + index * 960) / 48_000
        mono = (np.sin(2 * np.pi * 440 * t) * 6000).astype(np.int16)
        frame = AudioFrame.from_ndarray(
            np.repeat(mono, 2).reshape(1, -1), format="s16", layout="stereo"
        )
        frame.sample_rate, frame.pts = 48_000, index * 960
        out += [bytes(p) for p in encoder.encode(frame)]
    return out


class PacketTrack(MediaStreamTrack):
    """Sends pre-encoded packets in a loop, paced in real time (aiortc only packetizes them)."""

    def __init__(self, kind: str, packets: list[bytes]) -> None:
        super().__init__()
        self.kind = kind
        self._packets = packets
        self._index = 0
        self._start: float | None = None
        self._rate = 90_000 if kind == "video" else 48_000
        self._step = 3000 if kind == "video" else 960
        self._interval = 1 / FPS if kind == "video" else 0.02

    async def recv(self) -> Packet:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        wait = self._start + self._index * self._interval - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        packet = Packet(self._packets[self._index % len(self._packets)])
        packet.pts = self._index * self._step
        packet.time_base = fractions.Fraction(1, self._rate)
        self._index += 1
        return packet


# --------------------------------------------------------------------------------------------
# The media server (run as its own process: `recording.py --serve PORT DIR`)


async def serve(port: int, directory: Path) -> None:
    from aiohttp import web

    from consult.media.recorder import CallRecorder
    from consult.media.registry import MediaRegistry

    registry = MediaRegistry([], min_video_kbps=None)

    async def offer(request: web.Request) -> web.Response:
        call, role = int(request.match_info["call"]), request.match_info["role"]
        body = await request.json()
        sdp, type_ = await registry.join(call, role, body["sdp"], "offer", session=f"{role}{call}")
        return web.json_response({"sdp": sdp, "type": type_})

    async def record(request: web.Request) -> web.Response:
        call = int(request.match_info["call"])
        if request.match_info["action"] == "start":
            registry.start_recording(call, CallRecorder(directory, f"c{call}"))
            return web.json_response({})
        recorder = await registry.stop_recording(call)
        sizes = {}
        if recorder is not None:
            sizes = {r: f.part_path.stat().st_size for r, f in recorder.files.items()
                     if f.part_path.exists()}  # fmt: skip
        return web.json_response({"bytes": sizes})

    async def state(request: web.Request) -> web.Response:
        rooms = registry.rooms
        video_packets = sum(
            out.packets_forwarded
            for room in rooms.values()
            for participant in room.participants.values()
            for out in participant.outbound
            if out.kind == "video"
        )
        return web.json_response(
            {
                "rooms": {str(c): registry.participants(c) for c in list(rooms)},
                "video_packets": video_packets,
            }
        )

    app = web.Application()
    app.router.add_post("/offer/{call}/{role}", offer)
    app.router.add_post("/record/{call}/{action}", record)
    app.router.add_get("/state", state)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("ready", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await registry.close_all()


# --------------------------------------------------------------------------------------------
# The participants


class Participant:
    def __init__(self, video: list[bytes], audio: list[bytes]) -> None:
        self.pc = RTCPeerConnection(
            RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
        )
        self.pc.addTrack(PacketTrack("audio", audio))
        self.pc.addTrack(PacketTrack("video", video))
        self._drains: list[asyncio.Task[None]] = []

        @self.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            forward_encoded(track)  # the participants never decode: they would cost the bench
            self._drains.append(asyncio.ensure_future(self._drain(track)))

    @staticmethod
    async def _drain(track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()

    async def join(self, http: aiohttp.ClientSession, base: str, call: int, role: str) -> None:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        async with http.post(
            f"{base}/offer/{call}/{role}",
            json={"sdp": self.pc.localDescription.sdp, "type": "offer"},
        ) as response:
            answer = await response.json()
        await self.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))

    async def close(self) -> None:
        for task in self._drains:
            task.cancel()
        await self.pc.close()


async def forwarded(http: aiohttp.ClientSession, base: str) -> int:
    """Video packets the server has forwarded so far (all calls, both directions)."""
    async with http.get(f"{base}/state") as response:
        return int((await response.json())["video_packets"])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


async def measure(pid: int, window: float) -> float:
    """Cores the server used over `window` seconds."""
    before, start = cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(window)
    return (cpu_seconds(pid) - before) / (time.monotonic() - start)


async def run_calls(
    base: str, pid: int, calls: int, window: float, video: list[bytes], audio: list[bytes]
) -> dict[str, float]:
    people: list[Participant] = []
    async with aiohttp.ClientSession() as http:
        try:
            for call in range(1, calls + 1):
                for role in ("customer", "staff"):
                    person = Participant(video, audio)
                    people.append(person)
                    await person.join(http, base, call, role)
            deadline = time.monotonic() + 30
            while True:
                async with http.get(f"{base}/state") as response:
                    rooms = (await response.json())["rooms"]
                ready = sum(1 for c in rooms.values() for s in c.values() if s == "connected")
                if ready == 2 * calls:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"only {ready} of {2 * calls} participants connected")
                await asyncio.sleep(0.2)
            await asyncio.sleep(WARM_UP_S)
            packets_before = await forwarded(http, base)
            fps_start = time.monotonic()
            offs: list[float] = []
            ons: list[float] = []
            written, recorded_s = 0, 0.0
            # Off and on alternate, so load from elsewhere on the machine hits both alike.
            for _ in range(ROUNDS):
                offs.append(await measure(pid, window))
                for call in range(1, calls + 1):
                    await http.post(f"{base}/record/{call}/start")
                started = time.monotonic()
                await asyncio.sleep(1.0)  # files open at the first key frame
                ons.append(await measure(pid, window))
                for call in range(1, calls + 1):
                    async with http.post(f"{base}/record/{call}/stop") as response:
                        written += sum((await response.json())["bytes"].values())
                recorded_s += time.monotonic() - started
            elapsed = time.monotonic() - fps_start
            fps = (await forwarded(http, base) - packets_before) / elapsed / (2 * calls)
            off, on = statistics.median(offs), statistics.median(ons)
        finally:
            for person in people:
                await person.close()
    return {
        "off": off,
        "on": on,
        "fps": fps,
        "mb_per_min": written / (2 * calls) / recorded_s * 60 / 1e6,
    }


def finalise_ten_minutes(
    directory: Path, video: list[bytes], audio: list[bytes], *, crashed: bool
) -> float:
    """Seconds to finish a 10-minute file: closed normally (`seal`), or cut off by a crash
    (`finalise`: remuxed with cues and duration)."""
    clock = [0.0]
    name = "crashed" if crashed else "stopped"
    file = ParticipantFile(directory / f"{name}-customer.webm", video=True, audio=True,
                           clock=lambda: clock[0])  # fmt: skip
    seconds = 600
    events = [(i / FPS, "video", i) for i in range(seconds * FPS)]
    events += [(i * 0.02, "audio", i) for i in range(seconds * 50)]
    events.sort(key=lambda e: (e[0], e[1] != "video"))
    for at, kind, index in events:
        clock[0] = at
        if kind == "video":
            file.write("video", video[index % len(video)], index * 3000, at)
        else:
            file.write("audio", audio[index % len(audio)], index * 960, at)
    if crashed:  # a copy of the file as a kill -9 leaves it: no cues, no duration
        out, file._out = file._out, None
        part = file.part_path
        cut = part.with_name("cut-" + part.name)
        cut.write_bytes(part.read_bytes())
        out.close()
        part.unlink()
        cut.rename(part)
    else:
        file.close()
    start = time.perf_counter()
    done = (finalise if crashed else seal)(file.part_path)
    elapsed = time.perf_counter() - start
    assert abs(done.duration_s - seconds) < 2, done  # a crash loses the open cluster
    return elapsed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def main_async(window: float, counts: tuple[int, ...] = CALLS) -> dict[str, Any]:
    video, audio = vp8_loop(), opus_loop()
    work = Path(tempfile.mkdtemp(prefix="bench-recording-"))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port), str(work / "recordings")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        if server.stdout.readline().strip() != "ready":
            raise RuntimeError("the media server did not start")
        base = f"http://127.0.0.1:{port}"
        off: dict[str, float | None] = {}
        on: dict[str, float | None] = {}
        overhead: dict[str, float | None] = {}
        mb: list[float] = []
        fps: dict[str, float] = {}
        for calls in counts:
            try:
                result = await run_calls(base, server.pid, calls, window, video, audio)
            except RuntimeError as exc:  # this machine could not carry that many calls
                print(f"{calls} call(s): {exc}", file=sys.stderr)
                off[str(calls)] = on[str(calls)] = overhead[str(calls)] = None
                fps[str(calls)] = 0.0
                continue
            off[str(calls)] = round(result["off"] / calls * 100, 2)
            on[str(calls)] = round(result["on"] / calls * 100, 2)
            overhead[str(calls)] = round((result["on"] - result["off"]) / calls * 100, 2)
            mb.append(result["mb_per_min"])
            fps[str(calls)] = round(result["fps"], 1)
            print(f"{calls} call(s): {json.dumps(result)}", file=sys.stderr)
        finalise_s = finalise_ten_minutes(work, video, audio, crashed=False)
        recover_s = finalise_ten_minutes(work, video, audio, crashed=True)
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    return {
        "calls": list(counts),
        "per_call_cpu_pct_off": off,
        "per_call_cpu_pct_on": on,
        "record_overhead_pct": overhead,
        "mb_per_min": round(mb[0], 2) if mb else None,
        "finalise_10min_s": round(finalise_s, 3),
        "recover_10min_s": round(recover_s, 3),
        "forwarded_fps_per_side": fps,
    }


def main() -> None:
    if len(sys.argv) >= 4 and sys.argv[1] == "--serve":
        asyncio.run(serve(int(sys.argv[2]), Path(sys.argv[3])))
        return
    window = float(sys.argv[1]) if len(sys.argv) > 1 else WINDOW_S
    counts = tuple(int(n) for n in sys.argv[2].split(",")) if len(sys.argv) > 2 else CALLS
    print(json.dumps(asyncio.run(main_async(window, counts))))


if __name__ == "__main__":
    main()
