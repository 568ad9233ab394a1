"""The media plane end to end over HTTP signalling: real aiortc client peers, real media.

The customer's client sends red video and a 440 Hz tone, the staff client blue video and an
880 Hz tone; each side must see the other's colour (not its own, not only the black filler) and
hear audio. The routes run in-process over httpx's ASGI transport, on the test's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import json
import math
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import numpy as np
import pytest
from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
    VideoStreamTrack,
)
from aiortc.mediastreams import MediaStreamError
from aiortc.rtcrtpreceiver import RemoteStreamTrack
from av import AudioFrame, CodecContext, Packet, VideoFrame
from av.audio.codeccontext import AudioCodecContext
from av.video.codeccontext import VideoCodecContext
from av.video.frame import PictureType
from starlette.applications import Starlette
from starlette.requests import Request

from consult.media.encoded_video import (
    PictureLossWatcher,
    forward_encoded,
    opus_samples,
    vp8_keyframe_size,
)
from consult.media.registry import (
    ForwardingTrack,
    MediaRegistry,
    add_video_min_bitrate,
    black_frame,
    copy_video,
)
from consult.media.rtc_api import MAX_BODY_BYTES, CallEnded, NotAuthenticated, rtc_routes
from consult.media.signalling import MAX_SDP_BYTES

CALL = 7
WIDTH, HEIGHT = 320, 240  # small: four encoders and four decoders share two cores here
COLOURS = {"customer": (220, 30, 30), "staff": (30, 30, 220)}
TONES = {"customer": 440.0, "staff": 880.0}


# --------------------------------------------------------------------------------------------
# Media sources and sinks for the client peers


class ColourTrack(VideoStreamTrack):
    def __init__(self, rgb: tuple[int, int, int]) -> None:
        super().__init__()
        image = np.zeros((HEIGHT, WIDTH, 3), dtype=np.uint8)
        image[:, :] = rgb
        self._frame = VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")

    async def recv(self) -> VideoFrame:
        pts, time_base = await self.next_timestamp()
        self._frame.pts = pts
        self._frame.time_base = time_base
        return self._frame


class ToneTrack(MediaStreamTrack):
    kind = "audio"

    def __init__(self, hz: float) -> None:
        super().__init__()
        self._hz = hz
        self._samples = 0
        self._start: float | None = None

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        rate, n = 48_000, 960
        if self._start is None:
            self._start = time.monotonic()
        else:
            await asyncio.sleep(max(0.0, self._start + self._samples / rate - time.monotonic()))
        t = (np.arange(n) + self._samples) / rate
        wave = (np.sin(2 * math.pi * self._hz * t) * 8000).astype(np.int16)
        frame = AudioFrame.from_ndarray(wave.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = rate
        frame.pts = self._samples
        frame.time_base = fractions.Fraction(1, rate)
        self._samples += n
        return frame


def classify(frame: object) -> str:
    assert isinstance(frame, VideoFrame)
    r, g, b = frame.to_ndarray(format="rgb24").reshape(-1, 3).mean(axis=0)
    if max(r, g, b) < 40:
        return "black"
    if r > 150 and b < 90:
        return "red"
    if b > 150 and r < 90:
        return "blue"
    return "other"


SEEN_AS = {"customer": "red", "staff": "blue"}


class Client:
    """One participant's browser, played by an aiortc peer."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        role: str,
        *,
        sends: bool = True,
        video: bool = True,
        codec: str | None = None,
    ) -> None:
        self.http = http
        self.role = role
        # max-bundle, as browsers effectively do: aiortc's default ("balanced") puts a second
        # section of one kind on a transport it then discards (see consult.media.registry).
        self.pc = RTCPeerConnection(
            RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
        )
        self.colours: list[Counter[str]] = []  # one counter per received video track
        self.audio_frames: list[int] = []
        self.audio_loud: list[int] = []
        self._tasks: list[asyncio.Task[None]] = []
        if sends:
            self.pc.addTrack(ToneTrack(TONES[role]))
            if video:
                self.pc.addTrack(ColourTrack(COLOURS[role]))
        if codec is not None:  # offer this video codec only
            capabilities = RTCRtpSender.getCapabilities("video").codecs
            for transceiver in self.pc.getTransceivers():
                if transceiver.kind == "video":
                    transceiver.setCodecPreferences(
                        [c for c in capabilities if c.mimeType in (codec, "video/rtx")]
                    )
        self.pc.on("track", self._on_track)

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "video":
            counter: Counter[str] = Counter()
            self.colours.append(counter)
            self._tasks.append(asyncio.ensure_future(self._watch_video(track, counter)))
        else:
            self.audio_frames.append(0)
            self.audio_loud.append(0)
            index = len(self.audio_frames) - 1
            self._tasks.append(asyncio.ensure_future(self._watch_audio(track, index)))

    async def _watch_video(self, track: MediaStreamTrack, counter: Counter[str]) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                assert isinstance(frame, VideoFrame)
                counter[classify(frame)] += 1

    async def _watch_audio(self, track: MediaStreamTrack, index: int) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                assert isinstance(frame, AudioFrame)
                self.audio_frames[index] += 1
                if np.abs(frame.to_ndarray().astype(np.int32)).max() > 1000:
                    self.audio_loud[index] += 1

    async def join(self, session: str | None = None, **query: str) -> httpx.Response:
        offer = await self.pc.createOffer()
        await self.pc.setLocalDescription(offer)
        params = {"session": session, **query} if session else dict(query)
        response = await self.http.post(
            f"/api/rtc/{CALL}/offer",
            json={"sdp": self.pc.localDescription.sdp, "type": "offer"},
            headers={"Authorization": f"Bearer {self.role}"},
            params=params,
        )
        if response.status_code == 200:
            body = response.json()
            await self.pc.setRemoteDescription(RTCSessionDescription(body["sdp"], body["type"]))
        return response

    async def leave(self, session: str | None = None, reason: str = "hangup") -> httpx.Response:
        params = {"session": session} if session else {}
        return await self.http.post(
            f"/api/rtc/{CALL}/leave",
            json={"reason": reason},
            headers={"Authorization": f"Bearer {self.role}"},
            params=params,
        )

    async def close(self) -> None:
        await self.pc.close()
        for task in self._tasks:
            task.cancel()


async def until(condition: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await asyncio.sleep(0.05)


# --------------------------------------------------------------------------------------------
# Fixtures


ENDED: set[int] = set()


async def authorize(request: Request, consultation_id: int) -> str:
    if consultation_id == 404:
        raise LookupError("no consultation 404")
    if consultation_id in ENDED:
        raise CallEnded("call.ended")
    header = request.headers.get("authorization", "")
    if not header.startswith("Bearer "):
        raise NotAuthenticated("no token")
    role = header.removeprefix("Bearer ")
    if role == "stranger":
        raise PermissionError("not in this call")
    return role  # the test's "token" is the role itself ("intruder" reaches the registry)


Event = tuple[int, str, str | None]


@pytest.fixture
def events() -> list[Event]:
    return []


@pytest.fixture
async def registry(events: list[Event]) -> AsyncIterator[MediaRegistry]:
    async def record(
        consultation_id: int, kind: str, role: str | None, detail: dict[str, Any]
    ) -> None:
        events.append((consultation_id, kind, role))

    reg = MediaRegistry([], on_event=record, unload_grace=0.5)
    ENDED.clear()
    yield reg
    await reg.close_all()
    ENDED.clear()


@pytest.fixture
async def http(registry: MediaRegistry) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=rtc_routes(registry, authorize))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://showroom.test") as client:
        yield client


@pytest.fixture
async def clients(http: httpx.AsyncClient) -> AsyncIterator[list[Client]]:
    made: list[Client] = []
    yield made
    for client in made:
        await client.close()


def sees(client: Client, colour: str, frames: int, track: int = 0) -> Callable[[], bool]:
    return lambda: len(client.colours) > track and client.colours[track][colour] >= frames


def hears(client: Client, loud_frames: int) -> Callable[[], bool]:
    return lambda: bool(client.audio_loud) and min(client.audio_loud) >= loud_frames


def connected(registry: MediaRegistry, *roles: str) -> Callable[[], bool]:
    return lambda: all(registry.participants(CALL).get(r) == "connected" for r in roles)


async def connected_pair(
    registry: MediaRegistry, http: httpx.AsyncClient, clients: list[Client]
) -> tuple[Client, Client]:
    """Staff (session "staff-1") and a customer ("cust-1") in the call, both connected."""
    staff = Client(http, "staff")
    customer = Client(http, "customer")
    clients += [staff, customer]
    await staff.join(session="staff-1")
    await customer.join(session="cust-1")
    await until(connected(registry, "customer", "staff"))
    return staff, customer


# --------------------------------------------------------------------------------------------
# Calls


@pytest.mark.parametrize("first", ["customer", "staff"])
async def test_each_side_sees_and_hears_the_other_in_either_order(
    registry: MediaRegistry, http: httpx.AsyncClient, clients: list[Client], first: str
) -> None:
    second = "staff" if first == "customer" else "customer"
    a = Client(http, first)
    b = Client(http, second)
    clients += [a, b]

    assert (await a.join()).status_code == 200
    await until(connected(registry, first), what=f"{first} connected")
    # Alone in the call: black video and silence, but a live stream already.
    await until(lambda: bool(a.colours) and a.colours[0]["black"] >= 3, what="filler frames")
    assert a.colours[0][SEEN_AS[first]] == 0

    assert (await b.join()).status_code == 200
    await until(connected(registry, first, second), what="both connected")
    for me, other in ((a, second), (b, first)):
        await until(sees(me, SEEN_AS[other], 10), what=f"{me.role} sees {other}")
        await until(hears(me, 10), what=f"{me.role} hears")
        assert me.colours[0][SEEN_AS[me.role]] == 0, "a side must never get its own video back"
        assert me.colours[0]["other"] <= 2
    assert registry.participants(CALL) == {"customer": "connected", "staff": "connected"}
    # The server passed sound and picture on as they came, without decoding and re-encoding.
    for role in (first, second):
        audio, video = sorted(registry.rooms[CALL].participants[role].outbound,
                              key=lambda t: t.kind)  # fmt: skip
        assert video.packets_forwarded >= 10 and video.codec == "video/vp8"
        assert audio.packets_forwarded >= 10 and audio.codec == "audio/opus"


async def test_leave_and_rejoin_resumes_media(
    registry: MediaRegistry, http: httpx.AsyncClient, clients: list[Client]
) -> None:
    staff = Client(http, "staff")
    customer = Client(http, "customer")
    clients += [staff, customer]
    await staff.join()
    await customer.join(session="tab-1")
    await until(lambda: bool(staff.colours) and staff.colours[0]["red"] >= 5, what="red")

    # A stale leave from another tab changes nothing; the right one hangs up.
    assert (await customer.leave(session="tab-0")).json() == {"left": False}
    assert (await customer.leave(session="tab-1")).json() == {"left": True}
    assert set(registry.participants(CALL)) == {"staff"}
    await customer.close()
    black_before = staff.colours[0]["black"]
    await until(lambda: staff.colours[0]["black"] >= black_before + 5, what="black after leave")

    again = Client(http, "customer")
    clients.append(again)
    red_before = staff.colours[0]["red"]
    assert (await again.join()).status_code == 200
    await until(lambda: staff.colours[0]["red"] >= red_before + 10, what="red after rejoin")
    await until(lambda: bool(again.colours) and again.colours[0]["blue"] >= 10, what="blue")
    # The staff side kept one continuous track throughout.
    assert len(staff.colours) == 1


async def test_rejoin_without_leave_replaces_the_old_connection(
    registry: MediaRegistry, http: httpx.AsyncClient, clients: list[Client]
) -> None:
    staff = Client(http, "staff")
    old = Client(http, "customer")
    clients += [staff, old]
    await staff.join()
    await old.join()
    await until(connected(registry, "customer", "staff"))
    old_pc = registry.rooms[CALL].participants["customer"].pc

    new = Client(http, "customer")
    clients.append(new)
    await new.join()
    assert old_pc.connectionState == "closed"
    await until(connected(registry, "customer", "staff"))
    red_before = staff.colours[0]["red"]
    await until(lambda: staff.colours[0]["red"] >= red_before + 10, what="red from new client")
    await until(lambda: bool(new.colours) and new.colours[0]["blue"] >= 5, what="blue")


async def test_monitor_receives_both_sides_and_is_not_heard(
    registry: MediaRegistry, http: httpx.AsyncClient, clients: list[Client]
) -> None:
    customer = Client(http, "customer")
    staff = Client(http, "staff")
    monitor = Client(http, "monitor", sends=False)
    for kind in ("audio", "video", "audio", "video"):
        monitor.pc.addTransceiver(kind, direction="recvonly")
    clients += [customer, staff, monitor]
    for client in (customer, staff, monitor):
        assert (await client.join()).status_code == 200
    await until(lambda: len(monitor.colours) == 2, what="two video tracks")
    await until(lambda: monitor.colours[0]["red"] >= 10, what="monitor sees customer")
    await until(lambda: monitor.colours[1]["blue"] >= 10, what="monitor sees staff")
    await until(lambda: min(monitor.audio_loud) >= 10, what="monitor hears both")
    assert registry.participants(CALL).keys() == {"customer", "staff", "monitor"}


async def test_close_all_closes_every_connection(
    registry: MediaRegistry, http: httpx.AsyncClient, clients: list[Client]
) -> None:
    customer = Client(http, "customer")
    staff = Client(http, "staff")
    clients += [customer, staff]
    await customer.join()
    await staff.join()
    await until(connected(registry, "customer", "staff"))
    pcs = [p.pc for p in registry.rooms[CALL].participants.values()]
    tracks = [t for p in registry.rooms[CALL].participants.values() for t in p.outbound]

    await registry.close_all()
    assert [pc.connectionState for pc in pcs] == ["closed", "closed"]
    assert all(t.readyState == "ended" for t in tracks)
    assert registry.rooms == {} and registry.participants(CALL) == {}
    late = Client(http, "customer")
    clients.append(late)
    response = await late.join()
    assert response.status_code == 503 and response.json()["error"] == "shutting_down"


async def test_failed_connection_is_dropped(
    registry: MediaRegistry, http: httpx.AsyncClient, clients: list[Client]
) -> None:
    customer = Client(http, "customer")
    clients.append(customer)
    await customer.join()
    await until(connected(registry, "customer"))
    participant = registry.rooms[CALL].participants["customer"]
    await participant.pc.close()  # as aiortc does after ICE consent expires, in effect
    await until(lambda: CALL not in registry.rooms, what="room dropped")
    assert participant.closed


# --------------------------------------------------------------------------------------------
# The HTTP contract


async def post_offer(
    http: httpx.AsyncClient,
    body: bytes | str,
    *,
    token: str | None = "customer",
    call: int = CALL,
    content_type: str = "application/json",
    params: dict[str, str] | None = None,
) -> httpx.Response:
    headers = {"Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return await http.post(
        f"/api/rtc/{call}/offer", content=body, headers=headers, params=params or {}
    )


GOOD_START = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("{not json", 400, "invalid_json"),
        ("[1, 2]", 400, "not_object"),
        ('{"sdp": "v=0", "type": "offer", "x": 1}', 400, "unknown_field"),
        ('{"type": "offer"}', 400, "missing_field"),
        ('{"sdp": "v=0\\r\\nm=audio 9 RTP/AVP 0\\r\\n", "type": "answer"}', 400, "bad_type"),
        ('{"sdp": 5, "type": "offer"}', 400, "sdp_not_string"),
        ('{"sdp": "hello", "type": "offer"}', 400, "sdp_malformed"),
        ('{"sdp": "v=0\\r\\ns=-\\r\\n", "type": "offer"}', 400, "no_media"),
        # Passes validation, but aiortc cannot answer it (no ICE credentials).
        (
            '{"sdp": "v=0\\r\\nm=audio 9 UDP/TLS/RTP/SAVPF 111\\r\\na=rtpmap:111 opus/48000/2'
            '\\r\\n", "type": "offer"}',
            400,
            "negotiation_failed",
        ),
        # Only codecs the server cannot decode.
        (
            '{"sdp": "v=0\\r\\nm=video 9 UDP/TLS/RTP/SAVPF 45\\r\\na=rtpmap:45 AV1/90000'
            '\\r\\n", "type": "offer"}',
            400,
            "no_usable_codec",
        ),
    ],
)
async def test_malformed_offers_are_refused_with_a_code(
    registry: MediaRegistry, http: httpx.AsyncClient, body: str, status: int, code: str
) -> None:
    response = await post_offer(http, body)
    assert (response.status_code, response.json()["error"]) == (status, code)
    assert response.json()["message"]
    assert registry.rooms == {}


async def test_too_large(http: httpx.AsyncClient) -> None:
    sdp = GOOD_START + "m=audio 9 RTP/AVP 0\r\n" + "a=x:" + "y" * MAX_BODY_BYTES + "\r\n"

    response = await post_offer(http, json.dumps({"sdp": sdp, "type": "offer"}))
    assert (response.status_code, response.json()["error"]) == (413, "body_too_large")
    # Under the body limit but over the SDP limit: same status, the SDP's own code.
    sdp = GOOD_START + "m=audio 9 RTP/AVP 0\r\n" + "a=x:" + "y" * (MAX_SDP_BYTES - 50) + "\r\n"
    response = await post_offer(http, json.dumps({"sdp": sdp, "type": "offer"}))
    assert (response.status_code, response.json()["error"]) == (413, "sdp_too_large")


@pytest.mark.parametrize(
    ("token", "call", "status", "code"),
    [
        (None, CALL, 401, "unauthenticated"),
        ("stranger", CALL, 403, "forbidden"),
        ("intruder", CALL, 403, "role_not_allowed"),
        ("customer", 404, 404, "not_found"),
    ],
)
async def test_authorization_errors(
    registry: MediaRegistry,
    http: httpx.AsyncClient,
    token: str | None,
    call: int,
    status: int,
    code: str,
) -> None:
    body = '{"sdp": "v=0\\r\\nm=audio 9 RTP/AVP 0\\r\\n", "type": "offer"}'
    response = await post_offer(http, body, token=token, call=call)
    assert (response.status_code, response.json()["error"]) == (status, code)
    leave = await http.post(
        f"/api/rtc/{call}/leave",
        json={},
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )
    if code != "role_not_allowed":
        assert (leave.status_code, leave.json()["error"]) == (status, code)
    assert registry.rooms == {}


async def test_content_type_and_session_checks(http: httpx.AsyncClient) -> None:
    body = '{"sdp": "v=0\\r\\nm=audio 9 RTP/AVP 0\\r\\n", "type": "offer"}'
    response = await post_offer(http, body, content_type="text/plain")
    assert (response.status_code, response.json()["error"]) == (415, "unsupported_media_type")
    response = await post_offer(http, body, params={"session": "../x"})
    assert (response.status_code, response.json()["error"]) == (400, "bad_session")
    response = await http.get("/api/rtc/x/offer")
    assert response.status_code == 404


async def test_config_serves_the_configured_ice_servers() -> None:
    servers: list[dict[str, object]] = [
        {"urls": ["turn:127.0.0.1:3478"], "username": "u", "credential": "p"}
    ]
    reg = MediaRegistry(servers)
    app = Starlette(routes=rtc_routes(reg, authorize))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://showroom.test"
    ) as client:
        response = await client.get("/api/rtc/config")
    assert response.json() == {"iceServers": servers}
    assert response.headers["cache-control"] == "no-store"
    ice = reg._configuration().iceServers
    assert ice is not None and [s.urls for s in ice] == [["turn:127.0.0.1:3478"]]
    # The default configuration would be Google's STUN: an empty list must stay empty.
    assert MediaRegistry([])._configuration().iceServers == []
    with pytest.raises(ValueError):
        MediaRegistry([{"username": "no urls"}])


# --------------------------------------------------------------------------------------------
# Pieces


ANSWER = (
    "v=0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 97 98 99 100\r\n"
    "a=rtpmap:97 VP8/90000\r\n"
    "a=rtpmap:98 rtx/90000\r\n"
    "a=fmtp:98 apt=97\r\n"
    "a=rtpmap:99 H264/90000\r\n"
    "a=fmtp:99 packetization-mode=1;profile-level-id=42001f\r\n"
    "a=rtpmap:100 rtx/90000\r\n"
    "a=fmtp:100 apt=99\r\n"
)


def test_min_bitrate_hint_goes_on_video_codecs_only() -> None:
    out = add_video_min_bitrate(ANSWER, 1000)
    assert "a=rtpmap:97 VP8/90000\r\na=fmtp:97 x-google-min-bitrate=1000\r\n" in out
    assert (
        "a=fmtp:99 packetization-mode=1;profile-level-id=42001f;x-google-min-bitrate=1000\r\n"
        in out
    )
    assert "a=fmtp:98 apt=97\r\n" in out and "a=fmtp:100 apt=99\r\n" in out  # rtx untouched
    assert out.count("x-google-min-bitrate") == 2  # none in the audio section
    assert add_video_min_bitrate(out, 1000) == out  # idempotent
    assert out.endswith("\r\n") and "\n\n" not in out


async def test_forwarding_track_switches_sources_seamlessly() -> None:
    from aiortc.contrib.media import MediaRelay

    relay = MediaRelay()
    track = ForwardingTrack("video", "customer", "test")
    first = await track.recv()
    assert isinstance(first, VideoFrame) and classify(first) == "black"
    source = ColourTrack(COLOURS["customer"])
    track.attach(source, relay)
    frames = [await track.recv() for _ in range(3)]
    assert [classify(f) for f in frames] == ["red"] * 3
    source.stop()  # the sender left: back to black, on the same clock
    after = await track.recv()
    assert classify(after) == "black"
    pts = [f.pts for f in (first, *frames, after)]
    assert all(isinstance(p, int) for p in pts)
    assert pts == sorted(pts, key=lambda p: p or 0) and len(set(pts)) == len(pts)
    assert all(f.time_base == fractions.Fraction(1, 90_000) for f in frames)
    track.stop()


def vp8_packets(rgb: tuple[int, int, int], count: int, keyframes: set[int]) -> list[Packet]:
    """`count` VP8 frames of one colour from libvpx, key frames at the given indexes only."""
    encoder = CodecContext.create("libvpx", "w")
    assert isinstance(encoder, VideoCodecContext)
    encoder.width, encoder.height, encoder.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    encoder.time_base = fractions.Fraction(1, 30)
    encoder.gop_size = 3000
    encoder.options = {"deadline": "realtime", "lag-in-frames": "0"}
    image = np.zeros((HEIGHT, WIDTH, 3), dtype=np.uint8)
    image[:, :] = rgb
    packets: list[Packet] = []
    for index in range(count):
        frame = VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
        frame.pts = index
        frame.pict_type = PictureType.I if index in keyframes else PictureType.NONE
        packets += encoder.encode(frame)
    assert [p.is_keyframe for p in packets] == [i in keyframes for i in range(count)]
    return packets


def inbound_video(packets: list[Packet]) -> MediaStreamTrack:
    """An inbound track as aiortc makes one, marked for forwarding, with `packets` queued."""
    track = RemoteStreamTrack(kind="video")
    forward_encoded(track)
    for packet in packets:
        track._queue.put_nowait(Packet(bytes(packet)))  # as the receiver makes them: no flags
    return track


class CountedKeyframes:
    """Stands in for a receiver's KeyframeSource: counts the requests, tells of a loss."""

    def __init__(self) -> None:
        self.requests = 0
        self.watchers: list[PictureLossWatcher] = []

    def request(self) -> None:
        self.requests += 1

    def watch(self, watcher: PictureLossWatcher) -> None:
        self.watchers.append(watcher)

    def unwatch(self, watcher: PictureLossWatcher) -> None:
        self.watchers.remove(watcher)


async def test_forwarding_track_passes_vp8_on_from_a_key_frame() -> None:
    from aiortc.contrib.media import MediaRelay

    packets = vp8_packets(COLOURS["customer"], 6, keyframes={0, 3})
    upstream = inbound_video(packets[1:])  # joins mid-stream: P P K P P
    keyframes = CountedKeyframes()
    track = ForwardingTrack("video", "customer", "test")
    track.attach(upstream, MediaRelay(), keyframes)
    assert keyframes.watchers == [track] and keyframes.requests == 1  # asked at once
    received = [await track.recv() for _ in range(3)]
    # The two frames before the key frame cannot be decoded: dropped, and a key frame asked for.
    out = [p for p in received if isinstance(p, Packet)]
    assert len(out) == 3 and keyframes.requests == 3
    assert [bytes(p) for p in out] == [bytes(p) for p in packets[3:]]
    assert [p.is_keyframe for p in out] == [True, False, False]
    decoder = CodecContext.create("libvpx", "r")
    assert isinstance(decoder, VideoCodecContext)
    pictures = [f for p in out for f in decoder.decode(p)]
    assert [classify(f) for f in pictures] == ["red"] * 3
    assert [p.time_base for p in out] == [fractions.Fraction(1, 90_000)] * 3
    assert out[0].pts < out[1].pts < out[2].pts  # type: ignore[operator]

    upstream._queue.put_nowait(None)  # type: ignore[attr-defined]  # ended, as aiortc ends it
    # The sender left: black, and our encoder's frame must not refer to the forwarded ones.
    black = await track.recv()
    assert keyframes.watchers == []
    assert isinstance(black, VideoFrame) and classify(black) == "black"
    assert (black.width, black.height) == (WIDTH, HEIGHT)  # read from the key frame's header
    assert black.pict_type == PictureType.I
    again = await track.recv()
    assert isinstance(again, VideoFrame) and again.pict_type == PictureType.NONE
    track.stop()


async def test_after_a_lost_frame_forwarding_resumes_at_the_next_key_frame() -> None:
    from aiortc.contrib.media import MediaRelay

    packets = vp8_packets(COLOURS["customer"], 5, keyframes={0, 3})
    keyframes = CountedKeyframes()
    track = ForwardingTrack("video", "customer", "test")
    track.attach(inbound_video(packets), MediaRelay(), keyframes)
    first = await track.recv()
    assert isinstance(first, Packet) and first.is_keyframe
    keyframes.watchers[0].picture_lost()  # what the receiver says when it asks for a key frame
    after = await track.recv()
    assert isinstance(after, Packet) and bytes(after) == bytes(packets[3])  # 1 and 2 dropped
    track.stop()


async def test_forwarding_track_decodes_for_a_peer_without_vp8() -> None:
    from aiortc.contrib.media import MediaRelay

    packets = vp8_packets(COLOURS["staff"], 3, keyframes={0})
    track = ForwardingTrack("video", "staff", "test")
    track.codec = "video/h264"
    track.attach(inbound_video(packets), MediaRelay())
    frames = [await track.recv() for _ in range(3)]
    assert all(isinstance(f, VideoFrame) for f in frames)
    assert [classify(f) for f in frames] == ["blue"] * 3
    assert track.packets_forwarded == 0 and track.frames_forwarded == 3
    track.stop()


async def test_a_corrupt_frame_for_a_peer_without_vp8_waits_for_the_next_key_frame() -> None:
    from aiortc.contrib.media import MediaRelay

    key, inter, key2 = vp8_packets(COLOURS["staff"], 3, keyframes={0, 2})
    broken = bytes(key)[:10] + bytes(len(bytes(key)) - 10)  # a key frame header, then zeros
    track = ForwardingTrack("video", "staff", "test")
    track.codec = "video/h264"
    track.attach(inbound_video([Packet(broken), inter, key2]), MediaRelay())
    frame = await track.recv()  # the broken one is refused, P is dropped, K decodes
    assert isinstance(frame, VideoFrame) and classify(frame) == "blue"
    assert track.frames_forwarded == 1
    track.stop()


def opus_packets(count: int) -> list[Packet]:
    """`count` 20 ms Opus packets of a tone, from libopus."""
    encoder = CodecContext.create("libopus", "w")
    assert isinstance(encoder, AudioCodecContext)
    encoder.sample_rate, encoder.format, encoder.layout = 48_000, "s16", "stereo"
    packets: list[Packet] = []
    for index in range(count + 2):  # the encoder holds back a little
        wave = np.sin(2 * math.pi * 440 * (np.arange(960) + index * 960) / 48_000) * 8000
        frame = AudioFrame.from_ndarray(
            np.repeat(wave.astype(np.int16), 2).reshape(1, -1), format="s16", layout="stereo"
        )
        frame.sample_rate, frame.pts = 48_000, index * 960
        packets += encoder.encode(frame)
    return packets[:count]


def test_opus_packet_durations_are_read_from_the_toc() -> None:
    assert [opus_samples(bytes(p)) for p in opus_packets(3)] == [960] * 3
    assert opus_samples(bytes([1 << 3])) == 960  # SILK 20 ms, one frame
    assert opus_samples(bytes([(31 << 3) | 1])) == 1920  # CELT 20 ms, two frames
    assert opus_samples(bytes([(16 << 3) | 3, 4])) == 480  # CELT 2.5 ms, four frames
    assert opus_samples(b"") is None and opus_samples(bytes([3])) is None  # no frame count
    assert opus_samples(bytes([(3 << 3) | 3, 0])) is None  # zero frames
    assert opus_samples(bytes([(3 << 3) | 3, 3])) is None  # 3 x 60 ms: over 120 ms


async def test_forwarding_track_passes_opus_on_restamped() -> None:
    from aiortc.contrib.media import MediaRelay

    packets = opus_packets(3)
    upstream = RemoteStreamTrack(kind="audio")
    forward_encoded(upstream)
    for packet in packets:
        upstream._queue.put_nowait(Packet(bytes(packet)))
    track = ForwardingTrack("audio", "customer", "test")
    track.attach(upstream, MediaRelay())
    out = [await track.recv() for _ in range(3)]
    assert all(isinstance(p, Packet) for p in out)
    assert [bytes(p) for p in out] == [bytes(p) for p in packets]  # type: ignore[arg-type]
    assert [p.pts for p in out] == [0, 960, 1920]
    assert track.packets_forwarded == 3
    track.stop()


async def test_forwarding_track_decodes_opus_for_a_peer_without_it() -> None:
    from aiortc.contrib.media import MediaRelay

    upstream = RemoteStreamTrack(kind="audio")
    forward_encoded(upstream)
    for packet in opus_packets(3):
        upstream._queue.put_nowait(Packet(bytes(packet)))
    track = ForwardingTrack("audio", "customer", "test")
    track.codec = "audio/pcmu"
    track.attach(upstream, MediaRelay())
    out = [await track.recv() for _ in range(3)]
    assert all(isinstance(f, AudioFrame) and f.samples == 960 for f in out)
    assert [f.format.name for f in out] == ["s16"] * 3  # type: ignore[union-attr]
    assert track.packets_forwarded == 0
    track.stop()


def test_vp8_key_frames_are_recognised_with_their_size() -> None:
    key, inter = vp8_packets(COLOURS["staff"], 2, keyframes={0})
    assert vp8_keyframe_size(bytes(key)) == (WIDTH, HEIGHT)
    assert vp8_keyframe_size(bytes(inter)) is None
    assert vp8_keyframe_size(b"") is None and vp8_keyframe_size(bytes(key)[:9]) is None


async def test_a_peer_without_vp8_still_sees_and_is_seen(
    registry: MediaRegistry, http: httpx.AsyncClient, clients: list[Client]
) -> None:
    """H.264 only (some Safari set-ups): forwarded VP8 is decoded for it, its video encoded."""
    staff = Client(http, "staff", codec="video/H264")
    customer = Client(http, "customer")
    clients += [staff, customer]
    await staff.join()
    await customer.join()
    await until(connected(registry, "customer", "staff"))
    await until(sees(staff, "red", 10), what="the H.264 side sees the customer")
    await until(sees(customer, "blue", 10), what="the customer sees the H.264 side")
    room = registry.rooms[CALL]
    (to_staff,) = (t for t in room.participants["staff"].outbound if t.kind == "video")
    assert to_staff.codec == "video/h264" and to_staff.packets_forwarded == 0
    assert staff.colours[0]["other"] <= 2


async def test_a_key_frame_request_reaches_the_sending_browser(
    registry: MediaRegistry, http: httpx.AsyncClient, clients: list[Client]
) -> None:
    """A viewer that lost the picture asks the server; the customer's encoder must start over."""
    staff, customer = await connected_pair(registry, http, clients)
    await until(sees(staff, "red", 5), what="staff sees the customer")
    (sender,) = (s for s in customer.pc.getSenders() if s.track and s.track.kind == "video")
    requests: list[float] = []
    own = sender._send_keyframe

    def counted() -> None:
        requests.append(time.monotonic())
        own()

    sender._send_keyframe = counted  # type: ignore[method-assign]
    (receiver,) = (r for r in staff.pc.getReceivers() if r.track.kind == "video")
    ssrcs = [s.source for s in receiver.getSynchronizationSources()]
    deadline = time.monotonic() + 5
    while not requests and time.monotonic() < deadline:
        for ssrc in ssrcs:
            await receiver._send_rtcp_pli(ssrc)
        await asyncio.sleep(0.2)
    assert requests, "the staff side's PLI never reached the customer's sender"
    count = staff.colours[0]["red"]
    await until(sees(staff, "red", count + 10), what="the picture goes on")


async def test_a_picture_loss_upstream_holds_forwarding_until_the_key_frame(
    registry: MediaRegistry, http: httpx.AsyncClient, clients: list[Client]
) -> None:
    """When the server's receiver asks for a key frame (aiortc's jitter buffer lost a frame),
    the tracks forwarding that video are told, and resume once the key frame comes."""
    staff, _ = await connected_pair(registry, http, clients)
    await until(sees(staff, "red", 5), what="staff sees the customer")
    room = registry.rooms[CALL]
    (to_staff,) = (t for t in room.participants["staff"].outbound if t.kind == "video")
    told: list[str] = []

    class Probe:
        def picture_lost(self) -> None:
            told.append("lost")

    probe = Probe()
    room.participants["customer"].keyframes["video"].watch(probe)
    server_pc = room.participants["customer"].pc
    (receiver,) = (r for r in server_pc.getReceivers() if r.track.kind == "video")
    before = to_staff.packets_forwarded
    await receiver._send_rtcp_pli(receiver.getSynchronizationSources()[0].source)
    assert told == ["lost"]
    await until(lambda: to_staff.packets_forwarded >= before + 10, what="forwarding resumes")
    assert staff.colours[0]["other"] <= 2


def test_copy_video_is_an_independent_frame() -> None:
    frame = black_frame(64, 48)
    frame.pts = 5
    copy = copy_video(frame)
    copy.pts = 99
    assert copy is not frame and frame.pts == 5
    assert np.array_equal(copy.to_ndarray(), frame.to_ndarray())


# --------------------------------------------------------------------------------------------
# Audio only, recovery, second tab, reload, ended: and the events each one stores


def kinds(events: list[Event], role: str | None = None) -> list[str]:
    return [kind for _call, kind, who in events if role is None or who == role]


async def status(
    http: httpx.AsyncClient, role: str, session: str, **body: bool | str | float | None
) -> httpx.Response:
    return await http.post(
        f"/api/rtc/{CALL}/status",
        json=body,
        headers={"Authorization": f"Bearer {role}"},
        params={"session": session},
    )


async def test_audio_only_negotiates_no_video_at_all(
    registry: MediaRegistry, http: httpx.AsyncClient, clients: list[Client], events: list[Event]
) -> None:
    staff = Client(http, "staff")
    customer = Client(http, "customer", video=False)
    clients += [staff, customer]
    await staff.join(session="staff-1")
    assert (await customer.join(session="cust-1")).status_code == 200
    await until(connected(registry, "customer", "staff"))

    # The server's peer for the customer has no video transceiver, track or outbound stream.
    participant = registry.rooms[CALL].participants["customer"]
    assert [t.kind for t in participant.pc.getTransceivers()] == ["audio"]
    assert [t.kind for t in participant.outbound] == ["audio"]
    assert participant.audio_only
    assert "m=video" not in participant.pc.localDescription.sdp
    await until(hears(staff, 10), what="staff hears the customer")
    await until(lambda: kinds(events, "customer") == ["joined", "audio_only"], what="events")
    # Staff are told the customer is on audio only (their video slot plays black meanwhile).
    peers = (await status(http, "staff", "staff-1")).json()["peers"]
    assert peers == [
        {"role": "customer", "state": "connected", "audio_only": True, "muted": False,
         "camera": False}
    ]  # fmt: skip
    assert registry.tracks_of(CALL)["customer"].keys() == {"audio"}


async def test_switching_to_audio_only_mid_call_keeps_the_other_side(
    registry: MediaRegistry, http: httpx.AsyncClient, clients: list[Client], events: list[Event]
) -> None:
    staff = Client(http, "staff")
    customer = Client(http, "customer")
    clients += [staff, customer]
    await staff.join(session="staff-1")
    await customer.join(session="cust-1")
    await until(sees(staff, "red", 5), what="red")
    staff_pc = registry.rooms[CALL].participants["staff"].pc

    audio = Client(http, "customer", video=False)
    clients.append(audio)
    assert (await audio.join(session="cust-1", reason="mode")).status_code == 200
    await until(connected(registry, "customer", "staff"))
    black = staff.colours[0]["black"]
    await until(lambda: staff.colours[0]["black"] >= black + 5, what="black after audio only")
    assert registry.rooms[CALL].participants["staff"].pc is staff_pc  # untouched
    assert kinds(events, "customer") == ["joined", "audio_only"]  # no reconnection


async def test_recovery_offer_replaces_the_connection_and_says_reconnected(
    registry: MediaRegistry, http: httpx.AsyncClient, clients: list[Client], events: list[Event]
) -> None:
    staff, _ = await connected_pair(registry, http, clients)
    await until(lambda: kinds(events, "customer") == ["joined"], what="joined")
    staff_pc = registry.rooms[CALL].participants["staff"].pc

    # The network dropped; the browser comes back with a fresh peer connection, same session.
    again = Client(http, "customer")
    clients.append(again)
    assert (await again.join(session="cust-1", reason="recover")).status_code == 200
    await until(connected(registry, "customer"))
    await until(
        lambda: kinds(events, "customer") == ["joined", "connection_lost", "reconnected"],
        what="lost, then reconnected",
    )
    red = staff.colours[0]["red"]
    await until(lambda: staff.colours[0]["red"] >= red + 10, what="red again")
    assert registry.rooms[CALL].participants["staff"].pc is staff_pc
    assert len(staff.colours) == 1  # staff kept one continuous track
    assert kinds(events, "staff") == ["joined"]


async def test_server_detected_failure_then_return_is_a_reconnection(
    registry: MediaRegistry, http: httpx.AsyncClient, clients: list[Client], events: list[Event]
) -> None:
    staff = Client(http, "staff")
    customer = Client(http, "customer")
    clients += [staff, customer]
    await staff.join()
    await customer.join(session="cust-1")
    await until(lambda: "joined" in kinds(events, "customer"), what="joined")
    await registry.rooms[CALL].participants["customer"].pc.close()  # as on ICE consent failure
    await until(lambda: kinds(events, "customer") == ["joined", "connection_lost"], what="lost")
    again = Client(http, "customer")
    clients.append(again)
    await again.join(session="cust-1", reason="recover")
    await until(
        lambda: kinds(events, "customer") == ["joined", "connection_lost", "reconnected"],
        what="reconnected once, lost once",
    )


async def test_second_tab_wins_and_the_first_is_told(
    registry: MediaRegistry, http: httpx.AsyncClient, clients: list[Client], events: list[Event]
) -> None:
    staff = Client(http, "staff")
    first = Client(http, "customer")
    second = Client(http, "customer")
    clients += [staff, first, second]
    await staff.join()
    await first.join(session="tab-a")
    await until(connected(registry, "customer"))
    assert (await second.join(session="tab-b")).status_code == 200
    assert registry.rooms[CALL].participants["customer"].session == "tab-b"
    await until(connected(registry, "customer"))
    assert (await status(http, "customer", "tab-a")).json()["you"] == "superseded"
    assert (await status(http, "customer", "tab-b")).json()["you"] == "connected"

    # The old tab's automatic recovery must not steal the call back...
    retry = Client(http, "customer")
    clients.append(retry)
    response = await retry.join(session="tab-a", reason="recover")
    assert (response.status_code, response.json()["error"]) == (409, "superseded")
    assert response.json()["message"]
    # ...nor its late hang-up end the new tab's call.
    assert (await first.leave(session="tab-a")).json() == {"left": False}
    assert registry.rooms[CALL].participants["customer"].session == "tab-b"
    # Only the person's explicit "use this tab" takes it back.
    assert (await retry.join(session="tab-a", take_over="1")).status_code == 200
    assert (await status(http, "customer", "tab-b")).json()["you"] == "superseded"
    assert "left" not in kinds(events)


async def test_reload_reads_as_reconnected_and_closing_as_left(
    registry: MediaRegistry, http: httpx.AsyncClient, clients: list[Client], events: list[Event]
) -> None:
    customer = Client(http, "customer")
    clients.append(customer)
    await customer.join(session="page-1")
    await until(lambda: kinds(events) == ["joined"], what="joined")
    # A reload: the page goes away (pagehide) and the new page joins within the grace.
    assert (await customer.leave(session="page-1", reason="unload")).json() == {"left": True}
    reloaded = Client(http, "customer")
    clients.append(reloaded)
    await reloaded.join(session="page-2")
    await until(lambda: kinds(events) == ["joined", "reconnected"], what="reconnected")
    await asyncio.sleep(0.7)  # past the grace: no late "left"
    assert kinds(events) == ["joined", "reconnected"]
    # A closed tab: "left" once the grace has passed.
    await reloaded.leave(session="page-2", reason="unload")
    await until(lambda: kinds(events) == ["joined", "reconnected", "left"], what="left")
    assert CALL not in registry.rooms


async def test_hang_up_is_left_at_once(
    registry: MediaRegistry, http: httpx.AsyncClient, clients: list[Client], events: list[Event]
) -> None:
    customer = Client(http, "customer")
    clients.append(customer)
    await customer.join(session="page-1")
    await until(lambda: kinds(events) == ["joined"], what="joined")
    await customer.leave(session="page-1")
    await until(lambda: kinds(events) == ["joined", "left"], what="left")


async def test_an_ended_call_is_refused_and_its_connections_closed(
    registry: MediaRegistry, http: httpx.AsyncClient, clients: list[Client], events: list[Event]
) -> None:
    await connected_pair(registry, http, clients)
    assert registry.tracks_of(CALL).keys() == {"customer", "staff"}
    pcs = [p.pc for p in registry.rooms[CALL].participants.values()]

    ENDED.add(CALL)  # staff ended the consultation
    response = await status(http, "customer", "cust-1")
    assert (response.status_code, response.json()["error"]) == (410, "call_ended")
    assert [pc.connectionState for pc in pcs] == ["closed", "closed"]
    assert registry.tracks_of(CALL) == {}
    late = Client(http, "customer")
    clients.append(late)
    response = await late.join(session="cust-2")
    assert (response.status_code, response.json()["error"]) == (410, "call_ended")
    # "ended" is recorded by whoever ended the call, not again by the media plane.
    assert "ended" not in kinds(events) and "left" not in kinds(events)


async def test_status_and_leave_bodies_are_validated(http: httpx.AsyncClient) -> None:
    headers = {"Authorization": "Bearer customer"}
    for body, code in [('{"muted": "yes"}', "not_boolean"), ('{"volume": 1}', "unknown_field"),
                       ("[]", "not_object"), ("{", "invalid_json")]:  # fmt: skip
        response = await http.post(
            f"/api/rtc/{CALL}/status",
            content=body,
            headers={**headers, "Content-Type": "application/json"},
        )
        assert (response.status_code, response.json()["error"]) == (400, code)
    leaves: list[tuple[dict[str, object], str]] = [
        ({"reason": "bored"}, "bad_reason"),
        ({"x": 1}, "unknown_field"),
    ]
    for payload, reason_code in leaves:
        response = await http.post(f"/api/rtc/{CALL}/leave", json=payload, headers=headers)
        assert (response.status_code, response.json()["error"]) == (400, reason_code)
    response = await http.post(
        f"/api/rtc/{CALL}/offer", params={"reason": "restart"}, json={}, headers=headers
    )
    assert (response.status_code, response.json()["error"]) == (400, "bad_reason")


async def test_status_reports_mute_and_camera_to_the_other_side(
    registry: MediaRegistry, http: httpx.AsyncClient, clients: list[Client]
) -> None:
    await connected_pair(registry, http, clients)
    mine = (await status(http, "customer", "cust-1", muted=True, camera=False)).json()
    assert mine["you"] == "connected" and mine["peers"][0]["role"] == "staff"
    peer = (await status(http, "staff", "staff-1")).json()["peers"][0]
    assert (peer["muted"], peer["camera"], peer["audio_only"]) == (True, False, False)


async def test_each_browsers_rating_is_kept_and_a_change_announced_once(
    registry: MediaRegistry, clients: list[Client]
) -> None:
    """What the supervisors' board shows as connection quality comes from the browsers' stats."""
    announced: list[int] = []

    async def on_rating(consultation_id: int) -> None:
        announced.append(consultation_id)

    app = Starlette(routes=rtc_routes(registry, authorize, on_rating=on_rating))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://showroom.test") as http:
        await connected_pair(registry, http, clients)
        assert registry.links(CALL)["customer"].quality == "unknown"
        await status(http, "customer", "cust-1", quality="good", rtt_ms=40, loss_pct=0.0)
        await status(http, "customer", "cust-1", quality="good", rtt_ms=55, loss_pct=0.4)
        await status(http, "staff", "staff-1", quality="poor", rtt_ms=None, loss_pct=12.0)
        links = registry.links(CALL)
        assert (links["customer"].quality, links["customer"].rtt_ms) == ("good", 55)
        assert (links["staff"].quality, links["staff"].loss_pct) == ("poor", 12.0)
        assert links["staff"].state == "connected"
        assert announced == [CALL, CALL]  # unknown -> good, unknown -> poor: not the new RTT
        # A stale tab's report changes nothing, and a wrong value is refused whole.
        await status(http, "customer", "old-tab", quality="poor")
        wrong = await status(http, "customer", "cust-1", quality="poor", rtt_ms=-5)
        assert (wrong.status_code, wrong.json()["error"]) == (400, "bad_measurement")
        assert registry.links(CALL)["customer"].quality == "good" and len(announced) == 2
