"""Recording media over HTTP: signed, short-lived, per viewer, range requests, and refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from consult.calls.consultations import start_walk_in
from consult.calls.queue import accept
from consult.media import recordings
from consult.media.registry import MediaRegistry
from showroom.api import build_api
from showroom.identity import log_in
from showroom.session_state import SESSION_COOKIE
from showroom.settings import get_settings
from tests import factories

BODY = bytes(range(256)) * 40  # 10240 bytes standing in for a WebM


@pytest.fixture
async def client(app_db: Engine) -> AsyncIterator[httpx.AsyncClient]:
    registry = MediaRegistry([])
    transport = httpx.ASGITransport(app=build_api(registry))
    async with httpx.AsyncClient(transport=transport, base_url="http://showroom.test") as c:
        yield c
    await registry.close_all()


@pytest.fixture
def world(app_db: Engine) -> dict[str, object]:
    """A finished recording of aiko's call, its file on disk, and who is logged in."""
    with Session(app_db, expire_on_commit=False) as session:
        store = factories.store(session)
        other = factories.store(session, "umeda")
        aiko = factories.staff(session, store, "aiko@example.com")
        factories.staff(session, store, "ken@example.com")
        factories.staff(session, store, "yuki@example.com", role="supervisor")
        factories.staff(session, other, "zoe@example.com", role="supervisor")
        call = start_walk_in(session, store.id)
        accept(session, call.id, aiko.id, store.id)
        recording = recordings.request(session, call.id, aiko.id)
        recordings.started(session, recording)
        recordings.stop_request(session, call.id, aiko.id)
        name = f"r{recording.id}-customer.webm"
        recordings.finished(session, recording.id, {"customer": {"file": name, "duration_s": 1}})
        folder = get_settings().recordings_dir / Path(recording.path).parent
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(BODY)
        tokens = {
            who: log_in(session, f"{who}@example.com", "correct horse", hours=1)
            for who in ("aiko", "ken", "yuki", "zoe")
        }
        ids = {"aiko": aiko.id, "recording": recording.id, "store": store.id}
        session.commit()
    return {"tokens": tokens, "ids": ids}


def url_for(
    world: dict[str, object], who: str, *, download: bool = False, now: float | None = None
) -> str:
    ids: dict[str, int] = world["ids"]  # type: ignore[assignment]
    staff_ids = {"aiko": ids["aiko"]}
    return recordings.sign_media(
        get_settings().secret_key, ids["recording"], "customer", staff_ids.get(who, 999),
        download=download, now=now,
    )  # fmt: skip


def as_(world: dict[str, object], who: str) -> dict[str, str]:
    tokens: dict[str, str] = world["tokens"]  # type: ignore[assignment]
    return {SESSION_COOKIE: tokens[who]}


async def test_the_signed_viewer_gets_the_file_inline_and_can_seek(
    client: httpx.AsyncClient, world: dict[str, object]
) -> None:
    url = url_for(world, "aiko")
    response = await client.get(url, cookies=as_(world, "aiko"))
    assert response.status_code == 200 and response.content == BODY
    assert response.headers["content-type"] == "video/webm"
    assert response.headers["content-disposition"].startswith("inline")
    assert "no-store" in response.headers["cache-control"]
    assert response.headers["accept-ranges"] == "bytes"
    part = await client.get(url, cookies=as_(world, "aiko"), headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == BODY[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(BODY)}"
    past = await client.get(url, cookies=as_(world, "aiko"), headers={"Range": "bytes=99999-"})
    assert past.status_code == 416


async def test_refusals(client: httpx.AsyncClient, world: dict[str, object]) -> None:
    ids: dict[str, int] = world["ids"]  # type: ignore[assignment]
    url = url_for(world, "aiko")
    # No login at all.
    assert (await client.get(url)).status_code == 401
    # A colleague with aiko's link: the signature names aiko.
    assert (await client.get(url, cookies=as_(world, "ken"))).status_code == 403
    # A colleague with a link signed for himself: not his call.
    ken_id = ids["aiko"] + 1
    ken_url = recordings.sign_media(get_settings().secret_key, ids["recording"], "customer", ken_id)
    assert (await client.get(ken_url, cookies=as_(world, "ken"))).status_code == 404
    # Another store's supervisor, properly signed for herself: not her store's.
    zoe_id = ids["aiko"] + 3
    zoe_url = recordings.sign_media(get_settings().secret_key, ids["recording"], "customer", zoe_id)
    assert (await client.get(zoe_url, cookies=as_(world, "zoe"))).status_code == 404
    # A tampered signature, an expired one, a guessed recording number, a guessed file name.
    query = parse_qs(urlsplit(url).query)
    tampered = url.replace(query["sig"][0], "0" * 32)
    assert (await client.get(tampered, cookies=as_(world, "aiko"))).status_code == 403
    old = url_for(world, "aiko", now=1000.0)
    assert (await client.get(old, cookies=as_(world, "aiko"))).status_code == 403
    guessed = url.replace(f"/{ids['recording']}/", f"/{ids['recording'] + 1}/")
    assert (await client.get(guessed, cookies=as_(world, "aiko"))).status_code == 403
    other_side = url.replace("/customer.webm", "/staff.webm")
    assert (await client.get(other_side, cookies=as_(world, "aiko"))).status_code == 403
    wrong_name = url.replace("/customer.webm", "/../../secret_key")
    assert (await client.get(wrong_name, cookies=as_(world, "aiko"))).status_code == 404
    # A download link needs the download permission (staff: off by default).
    download = url_for(world, "aiko", download=True)
    assert (await client.get(download, cookies=as_(world, "aiko"))).status_code == 403


async def test_a_supervisor_may_download_and_a_deleted_recording_is_gone(
    client: httpx.AsyncClient, world: dict[str, object], app_db: Engine
) -> None:
    ids: dict[str, int] = world["ids"]  # type: ignore[assignment]
    yuki_id = ids["aiko"] + 2
    key = get_settings().secret_key
    download = recordings.sign_media(key, ids["recording"], "customer", yuki_id, download=True)
    response = await client.get(download, cookies=as_(world, "yuki"))
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment")
    with Session(app_db, expire_on_commit=False) as session:
        viewer = recordings.Viewer(yuki_id, ids["store"], "supervisor")
        recordings.delete_now(
            session, get_settings().recordings_dir, viewer, ids["recording"], "customer asked"
        )
        session.commit()
    inline = recordings.sign_media(key, ids["recording"], "customer", yuki_id)
    assert (await client.get(inline, cookies=as_(world, "yuki"))).status_code == 404
