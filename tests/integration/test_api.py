"""The app's own API routes: who may call them, and the clear errors for everyone else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from consult.calls.consultations import customer_link, end, start_walk_in
from consult.calls.queue import join_as_staff
from consult.media.registry import MediaRegistry
from showroom import db
from showroom.api import build_api
from showroom.identity import log_in, sign_link
from showroom.models import Store
from showroom.settings import get_settings
from tests import factories

OFFER = {"type": "offer", "sdp": "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"}


@pytest.fixture
async def client(app_db: Engine) -> AsyncIterator[httpx.AsyncClient]:
    registry = MediaRegistry([])
    transport = httpx.ASGITransport(app=build_api(registry))
    async with httpx.AsyncClient(transport=transport, base_url="http://showroom.test") as c:
        yield c
    await registry.close_all()


@pytest.fixture
def people(app_db: Engine) -> dict[str, object]:
    with Session(app_db, expire_on_commit=False) as session:
        store = factories.store(session)
        other_store = factories.store(session, "umeda")
        aiko = factories.staff(session, store, "aiko@example.com")
        factories.staff(session, store, "ken@example.com")
        factories.staff(session, store, "yuki@example.com", role="supervisor")
        call = start_walk_in(session, store.id)
        elsewhere = start_walk_in(session, other_store.id)
        join_as_staff(session, call.id, aiko.id, store.id)
        tokens = {
            name: log_in(session, f"{name}@example.com", "correct horse", hours=1)
            for name in ("aiko", "ken", "yuki")
        }
        session.commit()
        key = get_settings().secret_key
        return {
            "tokens": tokens,
            "call": call.id,
            "elsewhere": elsewhere.id,
            "link": customer_link(key, call).token,
            "other_link": customer_link(key, elsewhere).token,
            "expired_link": sign_link(key, "call", call.id, db.utcnow() - timedelta(seconds=1)),
        }


def cookie(token: str) -> dict[str, str]:
    return {"cookie": f"showroom_session={token}"}


async def test_me_needs_a_login_and_answers_in_the_callers_language(
    client: httpx.AsyncClient, people: dict[str, object]
) -> None:
    anonymous = await client.get("/api/me", headers={"accept-language": "en"})
    assert anonymous.status_code == 401
    assert anonymous.json()["message"] == "Please log in to continue."
    forged = await client.get("/api/me", headers=cookie("forged-token"))
    assert forged.status_code == 401
    tokens = people["tokens"]
    assert isinstance(tokens, dict)
    me = await client.get("/api/me", headers=cookie(tokens["aiko"]))
    assert me.status_code == 200 and me.json()["role"] == "staff"


async def test_supervisor_board_is_for_supervisors_only(
    client: httpx.AsyncClient, people: dict[str, object]
) -> None:
    tokens = people["tokens"]
    assert isinstance(tokens, dict)
    staff = await client.get(
        "/api/supervisor/board", headers={**cookie(tokens["ken"]), "accept-language": "ja"}
    )
    assert staff.status_code == 403
    assert staff.json() == {
        "error": "forbidden",
        "message": "このページへのアクセス権がありません。",
    }
    board = await client.get("/api/supervisor/board", headers=cookie(tokens["yuki"]))
    assert board.status_code == 200
    assert [c["status"] for c in board.json()["calls"]] == ["active"]


@pytest.mark.parametrize(
    "who, expected",
    [
        ("nobody", 401),  # no link, no login
        ("expired_link", 403),
        ("other_link", 403),  # a valid link, for another call
        ("forged_link", 403),
        ("ken", 403),  # staff, but not the one in this call
    ],
)
async def test_only_the_calls_own_people_may_send_media(
    client: httpx.AsyncClient, people: dict[str, object], who: str, expected: int
) -> None:
    tokens = people["tokens"]
    assert isinstance(tokens, dict)
    headers: dict[str, str] = {}
    if who.endswith("_link"):
        token = "abc.def" if who == "forged_link" else str(people[who])
        headers["authorization"] = f"Bearer {token}"
    elif who in tokens:
        headers.update(cookie(tokens[who]))
    response = await client.post(f"/api/rtc/{people['call']}/offer", json=OFFER, headers=headers)
    assert response.status_code == expected
    assert response.json()["error"]


async def test_staff_of_another_store_cannot_even_see_a_call(
    client: httpx.AsyncClient, people: dict[str, object]
) -> None:
    tokens = people["tokens"]
    assert isinstance(tokens, dict)
    response = await client.post(
        f"/api/rtc/{people['elsewhere']}/offer", json=OFFER, headers=cookie(tokens["aiko"])
    )
    assert response.status_code == 404


async def test_panoramas_are_served_and_nothing_outside_them(client: httpx.AsyncClient) -> None:
    media = get_settings().media_dir
    (media / "demo").mkdir(parents=True, exist_ok=True)
    (media / "demo" / "meta.json").write_text('{"version": 1}')
    assert (await client.get("/media/panoramas/demo/meta.json")).json() == {"version": 1}
    assert (await client.get("/media/panoramas/../../data/secret_key")).status_code == 404
    assert (await client.get("/api/health")).json() == {"status": "ok"}


@pytest.mark.parametrize(
    "who, role, expected",
    [
        ("nobody", "monitor", 401),
        ("link", "monitor", 403),  # the customer cannot listen in
        ("link", "supervisor", 403),
        ("ken", "monitor", 403),  # staff, not in the call
        ("aiko", "monitor", 403),  # staff in the call: still not a supervisor
        ("aiko", "shout", 403),  # no such way to join
        ("other_supervisor", "monitor", 404),  # a supervisor of another store
        ("yuki", "monitor", 400),  # allowed; the test's offer is no real media offer
        ("yuki", "supervisor", 400),
        ("link", "aux", 400),  # each side may see a supervisor who barged in
        ("aiko", "aux", 400),
    ],
)
async def test_who_may_step_into_a_call(
    client: httpx.AsyncClient,
    people: dict[str, object],
    app_db: Engine,
    who: str,
    role: str,
    expected: int,
) -> None:
    tokens = people["tokens"]
    assert isinstance(tokens, dict)
    headers: dict[str, str] = {}
    if who == "link":
        headers["authorization"] = f"Bearer {people['link']}"
    elif who == "other_supervisor":
        with Session(app_db) as session:
            umeda = session.scalar(select(Store).where(Store.slug == "umeda"))
            assert umeda is not None
            factories.staff(session, umeda, "boss@example.com", role="supervisor")
            token = log_in(session, "boss@example.com", "correct horse", hours=1)
            session.commit()
        headers.update(cookie(token))
    elif who in tokens:
        headers.update(cookie(tokens[who]))
    response = await client.post(
        f"/api/rtc/{people['call']}/offer?as={role}", json=OFFER, headers=headers
    )
    assert response.status_code == expected, response.json()


async def test_a_supervisor_cannot_listen_to_an_ended_call(
    client: httpx.AsyncClient, people: dict[str, object], app_db: Engine
) -> None:
    tokens = people["tokens"]
    assert isinstance(tokens, dict)
    with Session(app_db) as session:
        end(session, int(str(people["call"])))
        session.commit()
    response = await client.post(
        f"/api/rtc/{people['call']}/offer?as=monitor", json=OFFER, headers=cookie(tokens["yuki"])
    )
    assert response.status_code == 410 and response.json()["error"] == "call_ended"
