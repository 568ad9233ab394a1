"""The call recorder's muxer: encoded VP8 / Opus into WebM, no codec opened, crash-safe."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import av
import pytest

from consult.media.recorder import (
    ParticipantFile,
    RecordingWriteError,
    finalise,
    opus_header_ogg,
    recover,
    seal,
)
from tests.unit.media.recording_media import opus_packets, vp8_frames

ROOT = Path(__file__).resolve().parents[3]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def write_call(
    file: ParticipantFile,
    clock: Clock,
    video: list[bytes],
    audio: list[bytes],
    *,
    rtp_video: int = 1_000,
    rtp_audio: int = 5_000,
) -> None:
    """Interleave 30 fps video and 50 packets/s audio as they would arrive."""
    events = [(i / 30, "video", d, rtp_video + i * 3000) for i, d in enumerate(video)]
    events += [(i / 50, "audio", d, rtp_audio + i * 960) for i, d in enumerate(audio)]
    start = clock.now
    for at, kind, data, rtp in sorted(events, key=lambda e: (e[0], e[1] != "video")):
        clock.now = start + at
        file.write(kind, data, rtp & 0xFFFFFFFF, clock.now)


def read(path: Path) -> dict[str, list[av.Packet]]:
    with av.open(str(path)) as container:
        out: dict[str, list[av.Packet]] = {"video": [], "audio": []}
        for packet in container.demux():
            if packet.size:
                out[packet.stream.type].append(packet)
        return out


def test_a_call_is_muxed_without_any_codec_opened_and_finalised_with_its_duration(
    tmp_path: Path,
) -> None:
    clock = Clock()
    file = ParticipantFile(tmp_path / "rec-customer.webm", video=True, audio=True, clock=clock)
    write_call(file, clock, vp8_frames(90), opus_packets(150))  # 3 s
    contexts = file.codec_contexts()
    assert len(contexts) == 1  # the audio stream's (from its template), never opened
    assert not any(c.is_open for c in contexts)
    assert file.close() and file.part_path.exists() and not file.path.exists()
    done = finalise(file.part_path)
    assert not file.part_path.exists() and done.path == file.path
    assert done.has_video and done.has_audio and 2.9 <= done.duration_s <= 3.05
    with av.open(str(done.path)) as container:
        assert container.duration is not None and 2.9 <= container.duration / 1e6 <= 3.1
        audio = container.streams.audio[0]
        assert audio.codec_context.extradata is not None
        assert audio.codec_context.extradata.startswith(b"OpusHead")
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (160, 120)
    packets = read(done.path)
    assert len(packets["video"]) == 90 and len(packets["audio"]) == 150
    assert packets["video"][0].is_keyframe


def test_file_starts_on_a_key_frame_and_drops_what_comes_before(tmp_path: Path) -> None:
    clock = Clock()
    file = ParticipantFile(tmp_path / "r-staff.webm", video=True, audio=True, clock=clock)
    frames = vp8_frames(30, keyframes={0, 10})
    write_call(file, clock, frames[1:], opus_packets(50))  # joined mid-stream: key frame 10th
    assert file.stats.dropped_before_keyframe == 9
    file.close()
    packets = read(finalise(file.part_path).path)
    assert packets["video"][0].is_keyframe and len(packets["video"]) == 20
    first_video = float(packets["video"][0].pts * packets["video"][0].time_base)  # type: ignore[operator]
    first_audio = float(packets["audio"][0].pts * packets["audio"][0].time_base)  # type: ignore[operator]
    assert first_video == 0.0 and first_audio >= 0.0  # nothing before the picture


def test_timestamps_never_go_backwards(tmp_path: Path) -> None:
    clock = Clock()
    file = ParticipantFile(tmp_path / "r.webm", video=True, audio=False, clock=clock)
    frames = vp8_frames(6)
    stamps = [90_000, 93_000, 96_000, 95_000, 96_000]  # then late, and a duplicate stamp
    for i, (data, rtp) in enumerate(zip(frames[:5], stamps, strict=True)):
        clock.now = 100 + i / 30
        assert file.write("video", data, rtp, clock.now)
    assert file.stats.clamped == 2
    late = file.write("video", frames[1], 3000, clock.now)  # a second behind: dropped
    assert not late and file.stats.dropped_late == 1
    assert file.write("video", frames[5], 300_000_000, clock.now + 0.04)  # a wild jump
    file.close()
    dts = [p.dts or 0 for p in read(finalise(file.part_path).path)["video"]]
    assert dts == sorted(dts) and len(set(dts)) == len(dts)
    assert dts[-1] < 1000  # the jump followed the arrival clock (ms)


def test_rtp_clock_wrapping_keeps_time_running(tmp_path: Path) -> None:
    clock = Clock()
    file = ParticipantFile(tmp_path / "r.webm", video=False, audio=True, clock=clock)
    start = 0xFFFFFFFF - 960 * 20
    for i, data in enumerate(opus_packets(50)):
        clock.now = 100 + i / 50
        assert file.write("audio", data, (start + i * 960) & 0xFFFFFFFF, clock.now)
    file.close()
    done = finalise(file.part_path)
    assert not done.has_video and 0.95 <= done.duration_s <= 1.0


def test_a_resolution_change_mid_call_is_kept(tmp_path: Path) -> None:
    clock = Clock()
    file = ParticipantFile(tmp_path / "r.webm", video=True, audio=False, clock=clock)
    frames = vp8_frames(10, (160, 120)) + vp8_frames(10, (320, 240))
    for i, data in enumerate(frames):
        clock.now = 100 + i / 30
        file.write("video", data, i * 3000, clock.now)
    assert file.stats.size_changes == 1
    file.close()
    done = finalise(file.part_path)
    sizes = []
    with av.open(str(done.path)) as container:  # decoding, in the test only
        for frame in container.decode(video=0):
            sizes.append((frame.width, frame.height))
    assert sizes[:10] == [(160, 120)] * 10 and sizes[10:] == [(320, 240)] * 10


def test_corrupt_packets_are_dropped_and_the_rest_kept(tmp_path: Path) -> None:
    clock = Clock()
    file = ParticipantFile(tmp_path / "r.webm", video=True, audio=True, clock=clock)
    frames, sound = vp8_frames(3), opus_packets(3)
    file.write("video", frames[0], 0, 100.0)
    assert not file.write("video", b"\x00\x01", 3000, 100.03)  # too short
    assert not file.write("video", b"\x00\x00\x00\x00\x00\x00", 3000, 100.03)  # key frame, no size
    assert not file.write("audio", b"", 0, 100.04)  # not Opus
    assert not file.write("audio", b"\x03", 0, 100.04)  # code 3 without a frame count
    assert not file.write("data", b"xyz", 0, 100.04)
    assert file.write("audio", sound[0], 0, 100.04)
    assert file.write("video", frames[1], 3000, 100.06)
    assert file.stats.dropped_corrupt == 4
    file.close()
    packets = read(finalise(file.part_path).path)
    assert len(packets["video"]) == 2 and len(packets["audio"]) == 1


def test_audio_waits_for_the_picture_then_starts_alone(tmp_path: Path) -> None:
    clock = Clock()
    file = ParticipantFile(tmp_path / "r.webm", video=True, audio=True, clock=clock)
    sound = opus_packets(200)
    accepted = [file.write("audio", d, i * 960, 100 + i / 50) for i, d in enumerate(sound)]
    assert not any(accepted[:100]) and all(accepted[101:])  # 2 s without a key frame
    file.close()
    done = finalise(file.part_path)
    assert done.has_video and done.has_audio  # the picture may still come; none did here


def test_a_full_disk_stops_the_file_with_an_error(tmp_path: Path) -> None:
    clock = Clock()
    file = ParticipantFile(tmp_path / "r.webm", video=True, audio=True, clock=clock)
    file.part_path.symlink_to("/dev/full")  # every write fails with ENOSPC
    with pytest.raises(RecordingWriteError):
        write_call(file, clock, vp8_frames(60), opus_packets(100))
    assert file.closed and file.error
    assert not file.write("video", vp8_frames(1)[0], 0, clock.now)  # stays stopped


def test_the_opus_template_is_a_valid_ogg_opus_stream() -> None:
    import io

    with av.open(io.BytesIO(opus_header_ogg())) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.extradata is not None
        assert stream.codec_context.extradata[:8] == b"OpusHead"
        assert stream.codec_context.sample_rate == 48_000


WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from consult.media.recorder import ParticipantFile
    from tests.unit.media.recording_media import opus_packets, vp8_frames
    video, audio = vp8_frames(600, keyframes={0}), opus_packets(1000)
    file = ParticipantFile(Path(sys.argv[1]), video=True, audio=True, clock=time.monotonic)
    start = time.monotonic()
    events = sorted([(i / 30, "video", d, i * 3000) for i, d in enumerate(video)]
                    + [(i / 50, "audio", d, i * 960) for i, d in enumerate(audio)],
                    key=lambda e: (e[0], e[1]))
    for at, kind, data, rtp in events:
        delay = start + at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        file.write(kind, data, rtp)
        if at >= 1.0 and kind == "video" and int(at * 30) == 30:
            print("writing", flush=True)
    """
)


def test_kill_9_leaves_a_part_that_recovery_makes_playable(tmp_path: Path) -> None:
    target = tmp_path / "rec" / "c1-customer.webm"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(target)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "writing"
    started = time.monotonic() - 1.0
    time.sleep(3.5)
    elapsed = time.monotonic() - started
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    part = target.with_name(target.name + ".part")
    assert part.exists() and part.stat().st_size > 0 and not target.exists()
    [(recovered_part, done)] = recover(tmp_path / "rec")
    assert recovered_part == part and done is not None and not part.exists()
    assert elapsed - 1.6 <= done.duration_s <= elapsed + 0.2  # at most about a second lost
    with av.open(str(done.path)) as container:
        assert container.duration is not None  # written by the remux: seekable
        container.seek(int(done.duration_s / 2 * 1e6))
        assert next(container.decode(video=0)).width == 160


def test_a_cleanly_closed_file_is_sealed_without_a_remux(tmp_path: Path) -> None:
    clock = Clock()
    file = ParticipantFile(tmp_path / "r-staff.webm", video=True, audio=True, clock=clock)
    write_call(file, clock, vp8_frames(60, keyframes={0, 30}), opus_packets(100))
    file.close()
    before = file.part_path.stat().st_size
    done = seal(file.part_path)
    assert done.path == file.path and done.size_bytes == before  # the same bytes, renamed
    assert 1.9 <= done.duration_s <= 2.1 and done.has_video and done.has_audio
    with av.open(str(done.path)) as container:
        container.seek(1_000_000)  # cues written at close: seekable
        frame = next(container.decode(video=0))
        assert frame.time is not None and 0.9 <= frame.time <= 1.1


def test_recover_reports_an_unreadable_part(tmp_path: Path) -> None:
    (tmp_path / "x.webm.part").write_bytes(b"not a webm")
    [(_, done)] = recover(tmp_path)
    assert done is None
