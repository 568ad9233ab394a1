"""Uploaded panoramas waiting to become scenes: the queue, and the worker that tiles them.

An upload is streamed to a file under the data dir (`UploadWriter`, which stops at the size
limit), then queued as a `PanoramaJob` row (`enqueue`). One worker per process
(`panorama_worker`, a lifespan task of the app) claims queued jobs one at a time, oldest
first, and validates and tiles each on a thread, writing its progress (0..1) to the row as
it goes. The tiles go to a new folder per job, written atomically by the tiler; the scene
row appears in the same transaction that marks the job done, so a tour never sees a scene
without its tiles nor tiles half written. A bad file marks the job failed with the
validator's code and message and leaves nothing behind; the upload is deleted either way.

Each job is tiled in a child process (`process_in_child`): decoding a 16384x8192 panorama
takes gigabytes for a moment, and memory a long-lived server process once held is not given
back to the system. The child exits after the job, and its memory with it.

A job found "running" when the worker starts was cut off by a restart: it is queued once
more, and marked failed ("interrupted") if it was already retried, so a file that kills
the process cannot do so forever and no job stays "running".
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import resource
import shutil
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from showroom.db import session_scope, utcnow
from showroom.models import PanoramaJob, Store
from showroom.settings import get_settings
from showroom.tours import authoring
from showroom.tours.authoring import SceneChange
from showroom.tours.panorama.tiles import PanoramaError
from showroom.tours.panorama.upload import TOO_LARGE, import_panorama

log = logging.getLogger(__name__)

INTERRUPTED = "interrupted"
INTERNAL = "internal"
POLL_S = 2.0  # how often an idle worker looks for jobs queued by another process
PROGRESS_STEP = 0.04  # smaller changes are not written (the tiler reports after each face)
VALIDATED = 0.1  # progress once the file is read and checked; tiling fills the rest
FINISHED = ("done", "failed")


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_pixels: int


def limits() -> Limits:
    """Upload limits: 100 MB and 16384x8192 pixels unless the environment says otherwise."""
    megabytes = float(os.environ.get("SHOWROOM_PANORAMA_MAX_MB", "100"))
    megapixels = float(os.environ.get("SHOWROOM_PANORAMA_MAX_MEGAPIXELS", "134.3"))
    return Limits(int(megabytes * 1_000_000), int(megapixels * 1_000_000))


def upload_dir() -> Path:
    path = get_settings().data_dir / "panorama-uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def too_large(max_bytes: int) -> PanoramaError:
    return PanoramaError(
        f"The file is too large; the limit is {max_bytes / 1_000_000:.0f} MB.", code=TOO_LARGE
    )


class UploadWriter:
    """Writes an upload to a new file as its chunks arrive, refusing it (and deleting what
    was written) as soon as it passes `max_bytes`: a huge upload never fills the disk."""

    def __init__(self, max_bytes: int, directory: Path | None = None) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.path = (directory or upload_dir()) / f"{uuid.uuid4().hex}.upload"
        self._file = self.path.open("xb")

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.max_bytes:
            self.discard()
            raise too_large(self.max_bytes)
        self._file.write(data)

    def finish(self) -> Path:
        self._file.close()
        return self.path

    def discard(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------
# The queue (plain functions on a session)
# ---------------------------------------------------------------------------------------


def enqueue(
    session: Session,
    *,
    store_id: int,
    scene_name: str,
    source_name: str,
    source_path: Path,
    created_by: int | None,
    scene_id: int | None = None,
) -> PanoramaJob:
    """Queue an upload that is already on disk; the name is checked (AuthoringError)."""
    name = authoring.check_name(scene_name)
    job = PanoramaJob(
        store_id=store_id,
        scene_id=scene_id,
        scene_slug=authoring.slugify(name),
        scene_name=name,
        source_name=Path(source_name).name[-255:] or "upload",
        source_path=str(source_path),
        status="queued",
        progress=0.0,
        created_by=created_by,
    )
    session.add(job)
    session.flush()
    return job


def claim_next(session: Session) -> int | None:
    """Mark the oldest queued job running and return its id; None if there is none. The
    conditional update makes the claim safe between several workers."""
    while True:
        job_id = session.scalar(
            select(PanoramaJob.id)
            .where(PanoramaJob.status == "queued")
            .order_by(PanoramaJob.id)
            .limit(1)
        )
        if job_id is None:
            return None
        claimed = session.execute(
            update(PanoramaJob)
            .where(PanoramaJob.id == job_id, PanoramaJob.status == "queued")
            .values(status="running", progress=0.0)
        )
        if getattr(claimed, "rowcount", 0) == 1:
            return job_id


def job_folder(session: Session, job: PanoramaJob) -> str:
    """Where a job's tiles go, under the media dir: a folder of its own per job, so that an
    open tour keeps the old tiles it has cached when a scene's panorama is replaced."""
    store = session.get(Store, job.store_id)
    return f"{store.slug if store else job.store_id}/{job.scene_slug}-j{job.id}"


def recover_interrupted(session: Session, media_dir: Path | None = None) -> list[int]:
    """Jobs left "running" by a stopped process: queue each once more, or fail it if it was
    already retried or its upload is gone; the tiler's temporary folder of the cut-off run
    is removed. Returns the ids queued again."""
    media_dir = media_dir or get_settings().media_dir
    requeued = []
    for job in session.scalars(select(PanoramaJob).where(PanoramaJob.status == "running")):
        out_dir = media_dir / job_folder(session, job)
        for leftover in out_dir.parent.glob(f".{out_dir.name}.tmp-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        if job.error_code == INTERRUPTED or not Path(job.source_path).exists():
            _mark_failed(
                job,
                INTERRUPTED,
                "Tiling was interrupted by a restart of the server; please upload it again.",
            )
            Path(job.source_path).unlink(missing_ok=True)
        else:
            job.status, job.progress, job.error_code = "queued", 0.0, INTERRUPTED
            requeued.append(job.id)
    session.flush()
    return requeued


def _mark_failed(job: PanoramaJob, code: str, message: str) -> None:
    job.status, job.error_code, job.error_message = "failed", code, message
    job.finished_at = utcnow()


def store_jobs(session: Session, store_id: int, limit: int = 8) -> list[dict[str, Any]]:
    """The store's latest uploads, newest first, as the admin page lists them."""
    jobs = session.scalars(
        select(PanoramaJob)
        .where(PanoramaJob.store_id == store_id)
        .order_by(PanoramaJob.id.desc())
        .limit(limit)
    )
    return [
        {
            "id": job.id,
            "name": job.scene_name,
            "file": job.source_name,
            "status": job.status,
            "percent": round(job.progress * 100),
            "error_code": job.error_code if job.status == "failed" else "",
            "error": (job.error_message or "") if job.status == "failed" else "",
            "scene_id": job.scene_id or 0,
        }
        for job in jobs
    ]


# ---------------------------------------------------------------------------------------
# Processing one job (blocking: run it on a thread)
# ---------------------------------------------------------------------------------------


def _progress_writer(job_id: int) -> Callable[[float], None]:
    last = [-1.0]

    def report(fraction: float) -> None:
        value = min(1.0, max(0.0, fraction))
        if value - last[0] < PROGRESS_STEP and value < 1.0:
            return
        last[0] = value
        with session_scope() as session:
            session.execute(
                update(PanoramaJob)
                .where(PanoramaJob.id == job_id, PanoramaJob.status == "running")
                .values(progress=value)
            )

    return report


def _fail(job_id: int, code: str, message: str) -> None:
    with session_scope() as session:
        job = session.get(PanoramaJob, job_id)
        if job is not None:
            _mark_failed(job, code, message)


def process(
    job_id: int, media_dir: Path | None = None, lim: Limits | None = None
) -> SceneChange | None:
    """Validate and tile one claimed job, then create (or update) its scene. Returns the
    scene change to publish, or None if the job failed (the row says why)."""
    media_dir = media_dir or get_settings().media_dir
    lim = lim or limits()
    with session_scope() as session:
        job = session.get(PanoramaJob, job_id)
        if job is None:
            return None
        source, relative = Path(job.source_path), job_folder(session, job)
    out_dir = media_dir / relative
    report = _progress_writer(job_id)
    report(0.0)
    try:
        meta = import_panorama(
            source,
            out_dir,
            max_bytes=lim.max_bytes,
            max_pixels=lim.max_pixels,
            progress=lambda f: report(VALIDATED + (1 - VALIDATED) * f),
        )
    except PanoramaError as error:
        _fail(job_id, error.code, str(error))
        source.unlink(missing_ok=True)
        return None
    except Exception:
        log.exception("panorama job %d failed", job_id)
        _fail(job_id, INTERNAL, "The panorama could not be processed; please try again.")
        source.unlink(missing_ok=True)
        return None
    try:
        change = _finish(job_id, relative, meta)
    except Exception:
        shutil.rmtree(out_dir, ignore_errors=True)  # no scene points at these tiles
        log.exception("panorama job %d: storing its scene failed", job_id)
        _fail(job_id, INTERNAL, "The scene could not be stored; please try again.")
        change = None
    source.unlink(missing_ok=True)
    return change


def _finish(job_id: int, relative: str, meta: dict[str, Any]) -> SceneChange:
    """The scene row and the job's "done", in one transaction."""
    with session_scope() as session:
        job = session.get(PanoramaJob, job_id)
        assert job is not None
        scene, change = authoring.scene_from_job(session, job, relative, meta)
        job.scene_id, job.status, job.progress = scene.id, "done", 1.0
        job.error_code, job.error_message, job.finished_at = None, None, utcnow()
        return change


CHILD_TIMEOUT_S = 30 * 60


def process_in_child(job_id: int) -> SceneChange | None:
    """`process(job_id)` in a fresh interpreter (same environment, so same database and media
    dir), so that the tiling's memory goes back to the system when it ends; the scene change
    and the child's peak memory come back as JSON on its last line of output (the peak is
    logged, as `peak_mb` on the record). A child that dies (the OOM killer, a crash) fails
    the job instead of the server."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "showroom.tours.panorama.jobs", str(job_id)],
            stdout=subprocess.PIPE, text=True, timeout=CHILD_TIMEOUT_S, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        done = None
    if done is None or done.returncode != 0:
        log.error("panorama job %d: the tiling process failed (%s)", job_id,
                  "timed out" if done is None else f"exit {done.returncode}")  # fmt: skip
        _fail(job_id, INTERNAL, "The panorama could not be processed; please try again.")
        return None
    lines = done.stdout.strip().splitlines()
    result = json.loads(lines[-1]) if lines else {}
    peak = result.get("peak_mb")
    log.info("panorama job %d: the tiling process peaked at %s MiB", job_id, peak,
             extra={"peak_mb": peak})  # fmt: skip
    change = result.get("change")
    return SceneChange(**change) if change else None


def _peak_resident_kib() -> int:
    """This program's own peak resident set. Not ru_maxrss: a child started by vfork and exec
    inherits its parent's peak there (a large test session or server reads as the child)."""
    with suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # other systems: the best known


def _child_main(job_id: int) -> None:
    change = process(job_id)
    peak_mb = round(_peak_resident_kib() / 1024, 1)
    result = {"change": dataclasses.asdict(change) if change else None, "peak_mb": peak_mb}
    print(json.dumps(result), flush=True)


# ---------------------------------------------------------------------------------------
# The worker
# ---------------------------------------------------------------------------------------

_wake: asyncio.Event | None = None


def wake() -> None:
    """A job was queued in this process: start on it now rather than at the next poll.
    Call it from the event loop (the upload handler runs there)."""
    if _wake is not None:
        _wake.set()


def _claim() -> int | None:
    with session_scope() as session:
        return claim_next(session)


def _recover() -> None:
    with session_scope() as session:
        if ids := recover_interrupted(session):
            log.info("panorama jobs %s were interrupted and are queued again", ids)


Tile = Callable[[int], SceneChange | None]


async def run_worker(poll_s: float = POLL_S, tile: Tile = process_in_child) -> None:
    """Tile queued jobs one at a time until cancelled (the tiler already uses the cores)."""
    global _wake
    _wake = asyncio.Event()
    await asyncio.to_thread(_recover)
    while True:
        try:
            _wake.clear()  # before looking: a job queued meanwhile sets it again
            job_id = await asyncio.to_thread(_claim)
            if job_id is None:
                with suppress(TimeoutError):
                    await asyncio.wait_for(_wake.wait(), poll_s)
                continue
            change = await asyncio.to_thread(tile, job_id)
            if change is not None:
                await authoring.publish([change])
        except asyncio.CancelledError:
            raise
        except Exception:  # a bad round (database away) must not stop the worker for good
            log.exception("panorama worker round failed")
            await asyncio.sleep(poll_s)


@asynccontextmanager
async def panorama_worker(tile: Tile = process_in_child) -> AsyncIterator[None]:
    """A lifespan task: the worker runs with the app. A job being tiled when the app stops
    finishes its child process or is picked up again at the next start (recover_interrupted)."""
    task = asyncio.create_task(run_worker(tile=tile))
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


if __name__ == "__main__":
    _child_main(int(sys.argv[1]))
