"""Panorama uploads become scenes through the job queue: real files, real tiler, real database.

Every bad file fails its job with the validator's code, and leaves no tiles, no scene and no
upload behind; a good one becomes a scene only once all its tiles are in place."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from showroom import db
from showroom.catalogue.products import TOPIC
from showroom.models import PanoramaJob, Scene, Store
from showroom.pubsub import LocalBroker
from showroom.tours import authoring
from showroom.tours.authoring import AuthoringError, SceneChange
from showroom.tours.panorama import jobs
from showroom.tours.panorama.jobs import Limits, UploadWriter
from showroom.tours.panorama.tiles import PanoramaError
from tests import factories
from tests.unit.tours.test_panorama_upload import png_header_only

LIMITS = Limits(max_bytes=20_000_000, max_pixels=40_000_000)


def panorama_jpeg(w: int = 2048, h: int = 1024) -> bytes:
    x = np.linspace(0, 255, w, dtype=np.float32)[None, :]
    y = np.linspace(0, 255, h, dtype=np.float32)[:, None]
    rgb = np.stack(np.broadcast_arrays(x, y, 255 - x), axis=-1).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buf, "JPEG", quality=85)
    return buf.getvalue()


@pytest.fixture
def app_db(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[sessionmaker[Session]]:
    """Point the app's sessions at this test's database."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    monkeypatch.setattr(db, "_session_factory", lambda: factory)
    yield factory


@pytest.fixture
def store(app_db: sessionmaker[Session]) -> Store:
    with db.session_scope() as session:
        return factories.store(session)


@pytest.fixture
def media(tmp_path: Path) -> Path:
    return tmp_path / "media"


def queue(
    tmp_path: Path, store: Store, data: bytes, name: str = "Living room", **extra: Any
) -> int:
    source = tmp_path / f"upload-{len(list(tmp_path.glob('upload-*')))}"
    source.write_bytes(data)
    with db.session_scope() as session:
        job = jobs.enqueue(
            session, store_id=store.id, scene_name=name, source_name="pano.jpg",
            source_path=source, created_by=None, **extra,
        )  # fmt: skip
        return job.id


def job_row(job_id: int) -> PanoramaJob:
    with db.session_scope() as session:
        job = session.get(PanoramaJob, job_id)
        assert job is not None
        return job


def scene_count() -> int:
    with db.session_scope() as session:
        return int(session.scalar(select(func.count(Scene.id))) or 0)


def files_under(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()] if path.exists() else []


def run(job_id: int, media: Path, lim: Limits = LIMITS) -> SceneChange | None:
    with db.session_scope() as session:
        assert jobs.claim_next(session) == job_id
    return jobs.process(job_id, media, lim)


# --------------------------------------------------------------------------------- good


def test_an_upload_becomes_a_scene_with_its_tiles(
    tmp_path: Path, store: Store, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = queue(tmp_path, store, panorama_jpeg())
    source = Path(job_row(job_id).source_path)
    seen: list[tuple[float, bool, int]] = []
    writer = jobs._progress_writer

    def spy(jid: int) -> Any:
        report = writer(jid)

        def observe(fraction: float) -> None:
            report(fraction)
            # While tiling: no scene row and no visible tile folder (only a hidden temp one).
            visible = [p for p in (media / "aoyama").glob("*") if not p.name.startswith(".")]
            seen.append((job_row(jid).progress, bool(visible), scene_count()))

        return observe

    monkeypatch.setattr(jobs, "_progress_writer", spy)
    change = run(job_id, media)

    job = job_row(job_id)
    assert (job.status, job.progress, job.error_code) == ("done", 1.0, None)
    assert job.finished_at is not None and job.scene_id is not None
    assert change == SceneChange(store.id, job.scene_id)
    with db.session_scope() as session:
        scene = session.get(Scene, job.scene_id)
        assert scene is not None and scene.panorama_dir is not None
        assert (scene.slug, scene.name_en, scene.panorama_dir) == (
            "living-room", "Living room", f"aoyama/living-room-j{job_id}"
        )  # fmt: skip
        meta = json.loads((media / scene.panorama_dir / "meta.json").read_text())
        assert scene.panorama_meta == meta
    assert (media / f"aoyama/living-room-j{job_id}/base/front.jpg").is_file()
    assert not source.exists(), "the upload is removed once tiled"
    progress = [p for p, _, _ in seen]
    assert progress == sorted(progress) and progress[-1] == 1.0 and len(set(progress)) >= 4
    assert all(not visible and count == 0 for p, visible, count in seen if p < 1.0)


def test_a_job_for_an_existing_scene_replaces_its_panorama(
    tmp_path: Path, store: Store, media: Path
) -> None:
    first = queue(tmp_path, store, panorama_jpeg())
    run(first, media)
    scene_id = job_row(first).scene_id
    second = queue(tmp_path, store, panorama_jpeg(), name="New shot", scene_id=scene_id)
    run(second, media)
    assert job_row(second).scene_id == scene_id and scene_count() == 1
    with db.session_scope() as session:
        scene = session.get(Scene, scene_id)
        assert scene is not None
        assert scene.panorama_dir == f"aoyama/new-shot-j{second}"
        assert scene.name_en == "Living room"


# ---------------------------------------------------------------------------------- bad


def truncated() -> bytes:
    data = panorama_jpeg()
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("data", "lim", "code"),
    [
        (b"this is not an image at all", LIMITS, "not_image"),
        (truncated(), LIMITS, "truncated"),
        (panorama_jpeg(2048, 1500), LIMITS, "aspect_ratio"),
        (png_header_only(40_000, 20_000), LIMITS, "decompression_bomb"),
        (panorama_jpeg(), Limits(max_bytes=10_000, max_pixels=40_000_000), "too_large"),
    ],
    ids=["not-an-image", "truncated", "wrong-aspect", "bomb", "oversize"],
)
def test_a_bad_file_fails_its_job_and_leaves_nothing(
    tmp_path: Path, store: Store, media: Path, data: bytes, lim: Limits, code: str
) -> None:
    job_id = queue(tmp_path, store, data)
    source = Path(job_row(job_id).source_path)
    assert run(job_id, media, lim) is None
    job = job_row(job_id)
    assert (job.status, job.error_code, job.scene_id) == ("failed", code, None)
    assert job.error_message and job.error_message.endswith(".")
    assert job.finished_at is not None
    assert scene_count() == 0
    assert files_under(media) == [] and not source.exists()


def test_the_scene_name_is_checked_when_queued(tmp_path: Path, store: Store) -> None:
    with pytest.raises(AuthoringError) as caught:
        queue(tmp_path, store, panorama_jpeg(), name="   ")
    assert caught.value.code == "name_missing"


def test_an_upload_is_cut_off_at_the_size_limit(tmp_path: Path) -> None:
    writer = UploadWriter(max_bytes=10, directory=tmp_path)
    writer.write(b"12345")
    writer.write(b"67890")
    assert writer.finish().read_bytes() == b"1234567890"

    writer = UploadWriter(max_bytes=10, directory=tmp_path)
    writer.write(b"123456")
    with pytest.raises(PanoramaError) as caught:
        writer.write(b"7890X")
    assert caught.value.code == "too_large"
    assert str(caught.value) == "The file is too large; the limit is 0 MB."
    assert len(list(tmp_path.iterdir())) == 1, "the refused part is deleted at once"


# --------------------------------------------------------------------------- the queue


def test_jobs_are_claimed_oldest_first_and_once(tmp_path: Path, store: Store) -> None:
    first, second = (queue(tmp_path, store, b"x") for _ in range(2))
    with db.session_scope() as session:
        assert jobs.claim_next(session) == first
        assert jobs.claim_next(session) == second
        assert jobs.claim_next(session) is None
    assert job_row(first).status == "running"


def test_a_restart_requeues_a_running_job_once_then_fails_it(
    tmp_path: Path, store: Store, media: Path
) -> None:
    retried, lost = queue(tmp_path, store, b"x"), queue(tmp_path, store, b"y")
    Path(job_row(lost).source_path).unlink()
    leftover = media / "aoyama" / f".living-room-j{retried}.tmp-abc"
    leftover.mkdir(parents=True)
    (leftover / "half.jpg").write_bytes(b"half")
    with db.session_scope() as session:
        jobs.claim_next(session), jobs.claim_next(session)
        assert jobs.recover_interrupted(session, media) == [retried]
    assert (job_row(retried).status, job_row(retried).error_code) == ("queued", "interrupted")
    assert (job_row(lost).status, job_row(lost).error_code) == ("failed", "interrupted")
    assert not leftover.exists()

    with db.session_scope() as session:  # interrupted a second time: given up, not stuck
        assert jobs.claim_next(session) == retried
        assert jobs.recover_interrupted(session, media) == []
    assert job_row(retried).status == "failed"
    with db.session_scope() as session:
        assert session.scalar(select(func.count()).where(PanoramaJob.status == "running")) == 0


def test_store_jobs_lists_the_latest_first(tmp_path: Path, store: Store, media: Path) -> None:
    bad = queue(tmp_path, store, b"nope", name="Broken")
    run(bad, media)
    queue(tmp_path, store, panorama_jpeg(), name="Waiting")
    with db.session_scope() as session:
        listed = jobs.store_jobs(session, store.id)
    assert [(j["name"], j["status"], j["error_code"]) for j in listed] == [
        ("Waiting", "queued", ""), ("Broken", "failed", "not_image")
    ]  # fmt: skip
    assert listed[1]["error"] == "This file is not a JPEG or PNG image."


async def test_the_worker_tiles_queued_uploads_in_turn_and_announces_the_scenes(
    tmp_path: Path, store: Store, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "get_settings", lambda: type("S", (), {"media_dir": media})())
    monkeypatch.setattr(jobs, "limits", lambda: LIMITS)
    broker = LocalBroker()
    monkeypatch.setattr(authoring, "get_broker", lambda: broker)
    ids = [queue(tmp_path, store, panorama_jpeg(), name=f"Room {n}") for n in (1, 2)]
    bad = queue(tmp_path, store, b"junk", name="Junk")
    async with broker.subscribe(TOPIC) as messages, jobs.panorama_worker(tile=jobs.process):
        jobs.wake()
        got = [await asyncio.wait_for(messages.get(), 60) for _ in ids]
        for _ in range(300):  # the junk upload comes last and publishes nothing
            if job_row(bad).status == "failed":
                break
            await asyncio.sleep(0.1)
    assert [job_row(i).status for i in [*ids, bad]] == ["done", "done", "failed"]
    assert got == [
        {"kind": "scene", "store_id": store.id, "scene_id": job_row(i).scene_id} for i in ids
    ]


# ------------------------------------------------------------------------- in a child process


def test_a_job_is_tiled_in_a_child_process_whose_memory_goes_with_it(
    tmp_path: Path, store: Store, media: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child reads the same settings (database, media dir) from the environment."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SHOWROOM_MEDIA_DIR", str(media))
    job_id = queue(tmp_path, store, panorama_jpeg())
    with db.session_scope() as session:
        assert jobs.claim_next(session) == job_id
    change = jobs.process_in_child(job_id)
    job = job_row(job_id)
    assert job.status == "done" and change == SceneChange(store.id, job.scene_id or 0)
    assert any(p.suffix == ".jpg" for p in files_under(media))
    assert not Path(job.source_path).exists()


def flat_png(w: int, h: int) -> bytes:
    """Issue #13's upload: one colour, a few hundred KB of PNG that decodes to w x h."""
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (120, 140, 160)).save(buf, "PNG")
    return buf.getvalue()


def test_the_tiling_process_peaks_within_two_and_a_half_decoded_images(
    tmp_path: Path,
    store: Store,
    media: Path,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Issue #13: a 16384x8192 single-colour PNG (384 MiB as decoded RGB) took the tiling
    to 1.5 GiB. Memory, not time: the child's own peak resident set (VmHWM, its
    interpreter included) must stay within 2.5 decoded images (about 2.1 today)."""
    w, h = 16384, 8192
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SHOWROOM_MEDIA_DIR", str(media))
    job_id = queue(tmp_path, store, flat_png(w, h))
    with db.session_scope() as session:
        assert jobs.claim_next(session) == job_id
    with caplog.at_level(logging.INFO, logger=jobs.log.name):
        change = jobs.process_in_child(job_id)
    assert change is not None and job_row(job_id).status == "done"
    peaks = [getattr(r, "peak_mb", None) for r in caplog.records]
    peak_mb = next(p for p in peaks if p is not None)
    decoded_mb = w * h * 3 / 2**20
    assert 0 < peak_mb <= 2.5 * decoded_mb, (peak_mb, decoded_mb)


def test_a_child_that_dies_fails_the_job_not_the_server(
    tmp_path: Path, store: Store, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    job_id = queue(tmp_path, store, panorama_jpeg())
    with db.session_scope() as session:
        assert jobs.claim_next(session) == job_id
    assert jobs.process_in_child(job_id) is None
    job = job_row(job_id)
    assert (job.status, job.error_code) == ("failed", jobs.INTERNAL)
