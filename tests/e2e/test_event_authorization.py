"""Every supervisor-only Reflex event, fired as a hostile browser would, by every kind of caller.

Reflex makes each public state method an event any browser can send by name over its websocket,
so hiding a button protects nothing. This test speaks that protocol itself (socket.io over
`/_event`, as bench/stock_fanout.py does) with each caller's own session cookie: anonymous, a
customer on their call link, staff, a supervisor of another store, and the supervisor of the
store. For everyone but the last it fires every supervisor action listed in
tests/integration/test_event_inventory.py (so a new one is fired without touching this file)
with a payload that would change this store's data if it were obeyed, and asserts that the
database did not change and that no supervisor data came back. For the store's supervisor a few
representative actions must work.

That the payloads can fail the test was checked by firing them all as the store's supervisor:
the store's row, a scene, a hotspot, the recording (hold, deletion), the recording rules and the
call's events changed, and every supervisor state's leak check fired.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import MetaData, create_engine, select, text
from websockets.asyncio.client import ClientConnection, connect

from showroom import routes
from tests.e2e.conftest import RunningApp
from tests.integration.test_event_inventory import EVENTS, SUPERVISOR

ROOT_STATE = "reflex___state____state"
T = TypeVar("T")


def outside_playwright(work: Coroutine[Any, Any, T]) -> T:
    """Run `work` on a loop of its own in another thread: sync Playwright, used by the tests
    before this one in the session, keeps this thread's event loop running."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, work).result()


REFLEX_VERSION = "0.10.1"  # the browser sends it as the websocket subprotocol
PASSWORD = "showroom-demo"
OTHER_SUPERVISOR = "sora@showroom.example"  # made below: a supervisor of the other store
QUIET_S = 0.4  # after a page's events: time for background handlers to answer, if they do
TIMEOUT_S = 10.0

# Actions on pages staff may open that only a supervisor may take.
SUPERVISOR_ACTIONS_ON_STAFF_PAGES = {
    "RecordingsState": {"save_rules"},
    "RecordingPlayerState": {"delete_now", "toggle_hold"},
}
# The page each state belongs to ({call} and {recording}: the ones made for this test).
PAGES = {
    "SupervisorState": "/supervisor",
    "SupervisorCallState": "/supervisor/call/{call}",
    "KpiState": "/supervisor/numbers",
    "TourInsightsState": "/supervisor/tours",
    "AdminState": "/admin",
    "AdminCatalogueState": "/admin/catalogue",
    "CommerceRulesState": "/admin/commerce",
    "RecordingsState": "/recordings",
    "RecordingPlayerState": "/recordings/{recording}",
}
# The product catalogue and its API key are the chain's, not one store's (every store's stock
# column is on the page): a supervisor of any store may change them, so the other store's
# supervisor does not fire these (they would change what the rest of the e2e session sees).
CHAIN_WIDE = {("AdminCatalogueState", "save_row"), ("AdminCatalogueState", "import_file")}
# Refusal messages a refused caller may see in a supervisor state (everything else stays at
# its default value).
REFUSAL_VARS = {"error_key", "whisper_error_key", "action_error_key", "rules_error_key", "errors"}
# What the caller typed into an editor, held in the page before anything is saved: it comes
# back to them as sent and is no one else's data.
EDITOR_INPUT = {
    "AdminState": {
        "product_choice", "scene_choice", "selected_id", "pending", "scene_name", "view", "kind",
        "both_ways", "upload_error_key",
    },
}  # fmt: skip
# Rows that change whoever calls: sessions and login throttling.
VOLATILE_TABLES = {"staff_sessions", "login_attempts", "alembic_version"}

SETUP = """
import json
from sqlalchemy import select
from consult.calls.consultations import customer_link, start_walk_in
from consult.calls.queue import accept
from consult.models import Recording
from showroom.db import session_scope
from showroom.identity import hash_password
from showroom.models import Hotspot, Scene, StaffMember, Store
from showroom.settings import get_settings
with session_scope() as s:
    store = s.scalar(select(Store).where(Store.slug == "aoyama"))
    other = s.scalar(select(Store).where(Store.slug == "umeda"))
    aiko = s.scalar(select(StaffMember).where(StaffMember.email == "aiko@showroom.example"))
    if s.scalar(select(StaffMember).where(StaffMember.email == "{other_supervisor}")) is None:
        s.add(StaffMember(store_id=other.id, email="{other_supervisor}", role="supervisor",
                          display_name="Sora Umeda", password_hash=hash_password("{password}"),
                          languages=["en"], specialities=[]))
    call = start_walk_in(s, store.id, customer_name="Hanako Canary", language="en")
    accept(s, call.id, aiko.id, store.id)
    recording = Recording(consultation_id=call.id, path="canary", status="complete",
                          started_by_staff_id=aiko.id, tracks={{}})
    s.add(recording)
    s.flush()
    scene = s.scalar(select(Scene).where(Scene.store_id == store.id).order_by(Scene.id))
    hotspot = s.scalar(select(Hotspot).where(Hotspot.scene_id == scene.id).order_by(Hotspot.id))
    names = [m.display_name for m in s.scalars(
        select(StaffMember).where(StaffMember.store_id == store.id))]
    print(json.dumps({{
        "call": call.id, "link": customer_link(get_settings().secret_key, call).token,
        "recording": recording.id, "scene": scene.id, "scene_name": scene.name_en,
        "hotspot": hotspot.id, "aiko": aiko.id, "store": store.id, "other_store": other.id,
        "staff_names": names, "queue_alert_s": store.queue_alert_s,
    }}))
"""
CLEANUP = """
from sqlalchemy import MetaData, delete
from showroom.db import session_scope
with session_scope() as s:
    tables = MetaData()
    tables.reflect(s.get_bind())
    for table in reversed(tables.sorted_tables):
        if "consultation_id" in table.c:
            s.execute(delete(table).where(table.c.consultation_id == {call}))
    s.execute(delete(tables.tables["consultations"]).where(tables.tables["consultations"].c.id == {call}))
"""


@dataclass
class Caller:
    """One kind of caller: their session cookie (if any) and the page they start on."""

    name: str
    cookie: str = ""
    start_path: str = ""  # a page opened first on the same connection (the customer's call)


@dataclass
class Frames:
    """What the server sent back on one connection, as (after which event, update) pairs."""

    updates: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def deltas(self, state: str) -> list[tuple[str, dict[str, Any]]]:
        return [(e, u["delta"][state]) for e, u in self.updates if state in u.get("delta", {})]

    def events(self) -> list[tuple[str, dict[str, Any]]]:
        return [(e, ev) for e, u in self.updates for ev in u.get("events", [])]


# ----------------------------------------------------------------------------- the protocol


class Connection:
    """A browser tab as Reflex sees it: one token, one websocket, events in order."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.frames = Frames()
        self.sent = ""
        self.answered: asyncio.Queue[bool] = asyncio.Queue()
        self.flag = True  # hydrating ends with is_hydrated True: the first marker sets False
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, url: str, caller: Caller, path: str) -> Connection:
        headers = {"Origin": url} | ({"Cookie": caller.cookie} if caller.cookie else {})
        socket = await connect(
            url.replace("http", "ws", 1)
            + f"/_event/?token={uuid.uuid4()}&EIO=4&transport=websocket",
            subprotocols=[REFLEX_VERSION],  # type: ignore[list-item]
            additional_headers=headers,
            max_size=None,
            open_timeout=TIMEOUT_S,
        )
        opened = await socket.recv()
        assert isinstance(opened, str) and opened.startswith("0{"), opened
        connection = cls(socket)
        # As a page opening: hydrate and run the page's on_load (its `load` handler).
        hydrate = {"name": f"{ROOT_STATE}.hydrate_and_load", "payload": {},
                   "router_data": router(path)}  # fmt: skip
        connection.sent = "hydrate_and_load " + path
        await socket.send("40/_event," + json.dumps({"event": hydrate}))
        await connection.wait_for(True)  # hydrating ends by setting is_hydrated
        return connection

    async def _read(self) -> None:
        async for frame in self.socket:
            assert isinstance(frame, str)
            if frame == "2":  # Engine.IO ping
                await self.socket.send("3")
            elif frame.startswith("42/_event,"):
                _kind, update = json.loads(frame[len("42/_event,") :])
                root = update.get("delta", {}).get(ROOT_STATE, {})
                if "is_hydrated_rx_state_" in root:
                    self.answered.put_nowait(root["is_hydrated_rx_state_"])
                self.frames.updates.append((self.sent, update))

    async def fire(self, name: str, payload: dict[str, Any], path: str) -> None:
        self.sent = f"{name.rpartition('.')[2]} {json.dumps(payload, default=str)[:200]}"
        event = {"name": name, "payload": payload, "router_data": router(path)}
        await self.socket.send("42/_event," + json.dumps(["event", event]))
        await self.settle(path)

    async def settle(self, path: str) -> None:
        """Wait until the server has handled everything sent so far: events of one token run
        in order, so the answer to a marker event sent now comes after theirs."""
        self.flag = not self.flag
        marker = {"name": f"{ROOT_STATE}.set_is_hydrated", "payload": {"value": self.flag},
                  "router_data": router(path)}  # fmt: skip
        await self.socket.send("42/_event," + json.dumps(["event", marker]))
        await self.wait_for(self.flag)

    async def wait_for(self, hydrated: bool) -> None:
        try:
            while await asyncio.wait_for(self.answered.get(), TIMEOUT_S) is not hydrated:
                continue
        except TimeoutError:
            raise AssertionError(f"no answer after {self.sent}") from None

    async def close(self) -> Frames:
        await asyncio.sleep(QUIET_S)
        await self.socket.close()
        self.reader.cancel()
        return self.frames


def router(path: str) -> dict[str, Any]:
    """What the browser sends about its page: the path, and a dynamic route's values as the
    query (pages read them from there, e.g. the recording's id)."""
    patterns = [v for k, v in vars(routes).items() if k.isupper() and isinstance(v, str)]
    query = next((q for p in patterns if "[" in p and (q := routes.path_params(p, path))), {})
    return {"pathname": path, "asPath": path, "query": query}


def log_in(app: RunningApp, email: str) -> str:
    response = httpx.post(
        f"{app.url}/api/session/login",
        data={"email": email, "password": PASSWORD},
        headers={"Accept": "application/json", "Origin": app.url},
    )
    assert response.status_code == 200, response.text
    return f"showroom_session={response.cookies['showroom_session']}"


# ----------------------------------------------------------------------------- what is fired


def supervisor_actions() -> dict[str, set[str]]:
    """From the event inventory: every handler of a supervisor state, and the supervisor's
    actions on staff pages."""
    actions = {state: set(names) for state, (who, names) in EVENTS.items() if who == SUPERVISOR}
    return actions | SUPERVISOR_ACTIONS_ON_STAFF_PAGES


def state_classes() -> dict[str, Any]:
    from reflex.state import BaseState, State

    import showroom.showroom  # noqa: F401  (registers every page's state)

    def walk(cls: type[BaseState]) -> Iterator[type[BaseState]]:
        for sub in cls.get_substates():
            yield sub
            yield from walk(sub)

    return {state.__name__: state for state in walk(State)}


def would_change(world: dict[str, Any]) -> dict[str, Any]:
    """One form with what every supervisor form takes, each value valid and different from
    what is stored: obeyed, it would change the store."""
    return {
        "minutes": "7", "text": "a whisper", "reason": "asked by the customer",
        "retention_days": "3", "purpose_en": "Changed", "purpose_ja": "変更", "auto_start": True,
        "staff_see_own": False, "staff_may_download": True,
        "sku": "SOFA-001", "name_en": "Changed sofa", "name_ja": "変更", "price": "1",
        "description_en": "Changed", "description_ja": "変更", "stock_aoyama": "0",
        "hold_minutes": "5", "pickup_ready_hours": "1", "delivery_fee": "1",
        "free_delivery_from": "", "tax_rate_percent": "1", "pickup_enabled": False,
        "delivery_enabled": False, "staff_may_refund": True,
        "kind": "month", "start": "", "end": "", "staff": str(world["aiko"]),
    }  # fmt: skip


def payload(handler: Any, world: dict[str, Any]) -> dict[str, Any]:
    """Arguments for a handler by parameter name, aimed at this store's objects; any other
    parameter gets a string (handlers must refuse before they parse)."""
    view = {"yaw": 1.0, "pitch": 0.1, "zoom": 40.0}
    marker = f"h{world['hotspot']}"
    by_name: dict[str, Any] = {
        "form": would_change(world), "scene_id": world["scene"], "marker_id": marker,
        "moved": {"id": marker, **view}, "view": view, "position": view, "value": "1",
        "files": [], "chunks": [], "var_name": "error_key",
    }  # fmt: skip
    names = [n for n in inspect.signature(handler.fn).parameters if n != "self"]
    return {n: by_name.get(n, "garbage") for n in names}


def uploads(classes: dict[str, Any]) -> set[tuple[str, str]]:
    """Upload handlers: a browser reaches them through `/_upload` with a stream of files (the
    upload gate's tests); over the socket a JSON list arrives instead. A supervisor of another
    store passes their role check and would then fail on it, for their own store, so only
    callers refused before the upload is read get these over the socket."""
    return {
        (state_name, name)
        for state_name, names in supervisor_actions().items()
        for name in names
        if any(
            "Upload" in str(p.annotation)
            for p in inspect.signature(
                classes[state_name].event_handlers[name].fn
            ).parameters.values()
        )
    }


# ----------------------------------------------------------------------------- checks


def snapshot(app: RunningApp) -> dict[str, dict[str, tuple[Any, ...]]]:
    """Every row of every table (but sessions and throttling), by primary key."""
    engine = create_engine(app.env["DATABASE_URL"])
    tables = MetaData()
    tables.reflect(engine)
    rows: dict[str, dict[str, tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for name, table in tables.tables.items():
            if name in VOLATILE_TABLES:
                continue
            keys = [c.name for c in table.primary_key.columns] or [c.name for c in table.c]
            rows[name] = {
                repr(tuple(row._mapping[k] for k in keys)): tuple(row)
                for row in conn.execute(select(table))
            }
    engine.dispose()
    return rows


def changes(
    before: dict[str, dict[str, tuple[Any, ...]]], after: dict[str, dict[str, tuple[Any, ...]]]
) -> dict[str, list[str]]:
    return {
        table: [k for k in rows.keys() | after[table].keys() if rows.get(k) != after[table].get(k)]
        for table, rows in before.items()
        if rows != after[table]
    }


def defaults(state: Any) -> dict[str, Any]:
    return {name: state.get_fields()[name].default_value() for name in state.base_vars}


def leaks(frames: Frames, classes: dict[str, Any], world: dict[str, Any]) -> list[str]:
    """Supervisor data in what came back: a supervisor state's var off its default (but a
    refusal message), a download, or this store's people and scene by name."""
    found = []
    for state_name in supervisor_actions():
        state = classes[state_name]
        empty = defaults(state)
        allowed = REFUSAL_VARS | EDITOR_INPUT.get(state_name, set())
        final: dict[str, tuple[str, Any]] = {}  # var: (after which event, its last value)
        for sent, delta in frames.deltas(state.get_full_name()):
            final |= {key.removesuffix("_rx_state_"): (sent, value) for key, value in delta.items()}
        for var, (sent, value) in final.items():
            if var in empty and var not in allowed and value != empty[var]:
                found.append(f"{state_name}.{var}={str(value)[:80]} (after {sent})")
    found += [
        f"{ev['name']} (after {sent})" for sent, ev in frames.events() if "download" in ev["name"]
    ]
    found += canaries(frames, classes, world)
    return found


def canaries(frames: Frames, classes: dict[str, Any], world: dict[str, Any]) -> list[str]:
    """This store's staff or its caller named in a supervisor state or an event sent back
    (the customer's own call page may name their staff; the staff page its member)."""
    sent_back: list[Any] = [ev for _, ev in frames.events()]
    for state_name in supervisor_actions():
        sent_back += [delta for _, delta in frames.deltas(classes[state_name].get_full_name())]
    text = json.dumps(sent_back, ensure_ascii=False)
    names = [*world["staff_names"], "Hanako Canary"]
    return [f"{name!r} came back" for name in names if name in text]


def crashes(frames: Frames) -> list[str]:
    """Reflex's generic error sent back, with the event sent last when it arrived (an error
    is reported when the handler's task is collected, so possibly after a later event)."""
    return [sent for sent, ev in frames.events() if "backend_error" in json.dumps(ev)]


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def world(app: RunningApp) -> Iterator[dict[str, Any]]:
    """A live call of this store (Aiko's, the walk-in "Hanako Canary") with a recording, and a
    supervisor of the other store; the call is removed afterwards (later tests count calls)."""
    facts = json.loads(
        app.python(SETUP.format(other_supervisor=OTHER_SUPERVISOR, password=PASSWORD))
    )
    yield facts
    app.python(CLEANUP.format(call=facts["call"]))


async def fire_everything(
    app: RunningApp,
    caller: Caller,
    world: dict[str, Any],
    classes: dict[str, Any],
    skip: set[tuple[str, str]],
) -> dict[str, Frames]:
    seen: dict[str, Frames] = {}
    for state_name, handlers in sorted(supervisor_actions().items()):
        state = classes[state_name]
        path = PAGES[state_name].format(**world)
        connection = await Connection.open(app.url, caller, caller.start_path or path)
        for handler_name in sorted(handlers - {n for s, n in skip if s == state_name}):
            handler = state.event_handlers[handler_name]
            name = f"{state.get_full_name()}.{handler_name}"
            await connection.fire(name, payload(handler, world), path)
        seen[state_name] = await connection.close()
    return seen


# ----------------------------------------------------------------------------- the tests


REFUSED = ("anonymous", "customer", "staff", "other_supervisor")


@pytest.mark.parametrize("who", REFUSED)
def test_supervisor_events_do_nothing_for_anyone_else(
    app: RunningApp, world: dict[str, Any], who: str
) -> None:
    caller = {
        "anonymous": Caller(who),
        "customer": Caller(who, start_path=f"/call/{world['link']}"),
        "staff": Caller(who, log_in(app, "aiko@showroom.example")),
        "other_supervisor": Caller(who, log_in(app, OTHER_SUPERVISOR)),
    }[who]
    classes = state_classes()  # outside the event loop: Reflex keeps its registry in a ContextVar
    skip = CHAIN_WIDE | uploads(classes) if who == "other_supervisor" else set()
    before = snapshot(app)
    seen = outside_playwright(fire_everything(app, caller, world, classes, skip))
    changed = changes(before, snapshot(app))
    if who == "other_supervisor":
        changed = own_store_changes_removed(changed, app, world)
    assert changed == {}, f"{who} changed this store's data: {changed}"
    for state_name, frames in seen.items():
        if who == "other_supervisor":  # their own store's board etc. may come back
            found = canaries(frames, classes, world)
        elif state_name in SUPERVISOR_ACTIONS_ON_STAFF_PAGES and who == "staff":
            found = []  # staff's own page: their calls' recordings are theirs to see
        else:
            found = leaks(frames, classes, world)
        assert found == [], f"{who} got supervisor data from {state_name}: {found}"
        # Reflex's own `setvar` raises for a var without a setter (auto-setters are off);
        # any other error is a handler failing instead of refusing.
        failed = crashes(frames)
        expected = int("setvar" in supervisor_actions()[state_name])
        assert len(failed) == expected, f"{state_name} failed instead of refusing {who}: {failed}"


def own_store_changes_removed(
    changed: dict[str, list[str]], app: RunningApp, world: dict[str, Any]
) -> dict[str, list[str]]:
    """What a supervisor of the other store changed outside their own store's rows."""
    after = snapshot(app)
    engine = create_engine(app.env["DATABASE_URL"])
    tables = MetaData()
    tables.reflect(engine)
    engine.dispose()
    left: dict[str, list[str]] = {}
    for table, keys in changed.items():
        columns = [c.name for c in tables.tables[table].c]
        owner = "id" if table == "stores" else "store_id"
        if owner in columns:
            at = columns.index(owner)
            keys = [
                k
                for k in keys
                if k not in after[table] or after[table][k][at] != world["other_store"]
            ]
        if keys:
            left[table] = keys
    return left


def stored(app: RunningApp, sql: str) -> Any:
    engine = create_engine(app.env["DATABASE_URL"])
    with engine.connect() as conn:
        value = conn.execute(text(sql)).scalar()
    engine.dispose()
    return value


async def act_as_supervisor(
    app: RunningApp, world: dict[str, Any], classes: dict[str, Any]
) -> dict[str, Any]:
    """A few representative actions of the store's supervisor, each undone after (the app is
    shared with the rest of the e2e session); returns what came back and what was stored."""
    caller = Caller("supervisor", log_in(app, "yuki@showroom.example"))
    seen: dict[str, Any] = {}

    def name(state: str, handler: str) -> str:
        return f"{classes[state].get_full_name()}.{handler}"

    board = await Connection.open(app.url, caller, "/supervisor")
    await board.fire(
        name("SupervisorState", "save_queue_alert"), {"form": {"minutes": "7"}}, "/supervisor"
    )
    seen["queue_alert_s"] = stored(
        app, f"SELECT queue_alert_s FROM stores WHERE id = {world['store']}"
    )
    minutes = str(world["queue_alert_s"] // 60)
    await board.fire(
        name("SupervisorState", "save_queue_alert"), {"form": {"minutes": minutes}}, "/supervisor"
    )
    seen["board"] = await board.close()

    path = f"/recordings/{world['recording']}"
    player = await Connection.open(app.url, caller, path)
    await player.fire(name("RecordingPlayerState", "toggle_hold"), {}, path)
    seen["hold"] = stored(app, f"SELECT legal_hold FROM recordings WHERE id = {world['recording']}")
    await player.fire(name("RecordingPlayerState", "toggle_hold"), {}, path)
    await player.close()

    kpis = await Connection.open(app.url, caller, "/supervisor/numbers")
    await kpis.fire(name("KpiState", "export_summary"), {}, "/supervisor/numbers")
    seen["kpis"] = await kpis.close()

    catalogue = await Connection.open(app.url, caller, "/admin/catalogue")
    await catalogue.fire(name("AdminCatalogueState", "reveal_key"), {}, "/admin/catalogue")
    seen["catalogue"] = await catalogue.close()

    whispers = (
        f"SELECT count(*) FROM consultation_events WHERE consultation_id = {world['call']}"
        " AND kind = 'supervisor_whisper'"
    )
    before = stored(app, whispers)
    path = f"/supervisor/call/{world['call']}"
    call = await Connection.open(app.url, caller, path)
    await call.fire(
        name("SupervisorCallState", "whisper"), {"form": {"text": "Offer the cushion"}}, path
    )
    seen["call"] = await call.close()
    seen["whispers"] = stored(app, whispers) - before

    admin = await Connection.open(app.url, caller, "/admin")
    await admin.fire(name("AdminState", "edit_scene"), {"scene_id": world["scene"]}, "/admin")
    # An upload handler sent over the socket gets a list, not a file stream: a clear refusal.
    not_files = {"chunks": [{"filename": "shop.jpg", "data": "AAAA"}]}
    await admin.fire(name("AdminState", "upload_panoramas"), not_files, "/admin")
    seen["admin"] = await admin.close()
    catalogue = await Connection.open(app.url, caller, "/admin/catalogue")
    not_files = {"files": [{"name": "stock.csv"}]}
    await catalogue.fire(name("AdminCatalogueState", "import_file"), not_files, "/admin/catalogue")
    seen["import"] = await catalogue.close()
    return seen


def last(frames: Frames, state: Any, var: str) -> Any:
    values = [
        d[var + "_rx_state_"]
        for _, d in frames.deltas(state.get_full_name())
        if var + "_rx_state_" in d
    ]
    return values[-1] if values else None


def test_the_stores_supervisor_may(app: RunningApp, world: dict[str, Any]) -> None:
    classes = state_classes()
    seen = outside_playwright(act_as_supervisor(app, world, classes))
    assert seen["queue_alert_s"] == 7 * 60
    assert (
        stored(app, f"SELECT queue_alert_s FROM stores WHERE id = {world['store']}")
        == world["queue_alert_s"]
    )
    names = [m["name"] for m in last(seen["board"], classes["SupervisorState"], "staff")]
    assert names == world["staff_names"]
    assert seen["hold"] == 1
    assert stored(app, f"SELECT legal_hold FROM recordings WHERE id = {world['recording']}") == 0
    assert [ev["name"] for _, ev in seen["kpis"].events()] == ["_download"]
    assert last(seen["catalogue"], classes["AdminCatalogueState"], "revealed_key")
    assert last(seen["call"], classes["SupervisorCallState"], "customer") == "Hanako Canary"
    assert last(seen["call"], classes["SupervisorCallState"], "whispers_sent") == 1
    assert seen["whispers"] == 1
    scene = last(seen["admin"], classes["AdminState"], "scene")
    assert scene and scene["name_en"] == world["scene_name"], scene
    assert last(seen["admin"], classes["AdminState"], "upload_error_key") == "admin.no_file"
    report = last(seen["import"], classes["AdminCatalogueState"], "report")
    assert report and report["error_key"] == "catalogue_reason.not_csv", report
    for frames in (seen["admin"], seen["import"]):
        assert crashes(frames) == [], crashes(frames)
