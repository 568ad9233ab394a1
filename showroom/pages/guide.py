"""Guided tour in a call: one substate for both sides (the call pages each insert
`guided_tour(role)` from showroom/components/guided_tour.py).

Staff steer: their viewer's moves (≤ 5/s) are checked (consult/calls/guide.py) and published on the
call's guide topic. The customer's page follows them while the staff member holds control.
On/off and the start scene are stored as call events; the newest view is gossiped: a page
that opens says `hello` and every page that knows a view answers with its newest one (the
highest `seq` wins), so a reload on either side, on any worker, picks the tour up again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from consult.calls import guide
from consult.calls.consultations import consultation_for_link, status_of
from consult.calls.guide import GuideError, GuideView
from consult.calls.in_charge import staff_in_charge
from showroom import routes
from showroom.db import session_scope
from showroom.identity import LinkError
from showroom.pubsub import get_broker
from showroom.session_state import SessionState
from showroom.settings import get_settings

STEER_INTERVAL_MS = 200  # staff's viewer reports at most 5 views a second
WATCH_CHECK_S = 15.0  # how often an idle watcher checks the call has not ended
WATCH_MAX_S = 8 * 3600
HELLO_WAIT_S = 1.5  # how long a page that opens waits for the current view before the stored one
PANORAMAS = routes.MEDIA + "/panoramas"
log = logging.getLogger(__name__)


def _next_seq(previous: int) -> int:
    """Increasing across reloads of the staff page: milliseconds, or one more."""
    return max(previous + 1, int(time.time() * 1000))


class GuideState(rx.State):
    consultation_id: int = 0
    role: str = ""  # "customer" | "staff"
    active: bool = False
    holder: str = "staff"  # who steers the customer's view
    scenes: list[dict[str, Any]] = []
    scene_id: int = 0
    panorama: dict[str, Any] = {}
    base_url: str = ""
    markers: list[dict[str, Any]] = []
    default_yaw: float = 0.0
    default_pitch: float = 0.0
    default_zoom: float = 50.0
    target: dict[str, Any] | None = None
    highlight: str = ""
    error_key: str = ""
    latest_seq: int = 0  # seq of the newest staff view this page knows (tests read it)
    _staff_id: int = 0
    _latest: dict[str, Any] = {}  # the newest view known (the staff member's)
    _local_seq: int = 0  # bumps `target`, so following again re-applies the same view
    _checked: tuple[int, str] = (0, "")  # scene and highlight last checked against the DB
    _watching: int = 0

    def _reset(self, consultation_id: int, role: str) -> None:
        self.consultation_id, self.role = consultation_id, role
        self.active, self.holder, self.error_key = False, "staff", ""
        self.scene_id, self.panorama, self.base_url, self.markers = 0, {}, "", []
        self.target, self.highlight, self._latest, self._checked = None, "", {}, (0, "")

    def _open(self, consultation_id: int, role: str) -> None:
        """A reload keeps this state (and its watcher): the remounted viewer shows it again."""
        if (self.consultation_id, self.role) != (consultation_id, role):
            self._reset(consultation_id, role)

    @rx.event
    async def open_customer(self) -> EventSpec | None:
        token = routes.path_params(routes.CALL, self.router.url.path).get("call_token", "")
        try:
            with session_scope() as session:
                consultation_id = consultation_for_link(
                    session, get_settings().secret_key, token
                ).id
        except (LinkError, LookupError):
            self._reset(0, "")
            return None
        self._open(consultation_id, "customer")
        return GuideState.watch

    @rx.event
    async def open_staff(self) -> EventSpec | None:
        who = (await self.get_state(SessionState)).current_staff()
        raw_id = routes.path_params(routes.STAFF_CALL, self.router.url.path).get(
            "consultation_id", ""
        )
        if who is None or not raw_id.isdigit():
            self._reset(0, "")
            return None
        lang = (await self.get_state(SessionState)).lang
        with session_scope() as session:
            if not guide.may_guide(session, int(raw_id), who.staff_id, who.store_id):
                self._reset(0, "")
                return None
            scenes = guide.scenes_of_call(session, int(raw_id), lang)
        self._open(int(raw_id), "staff")
        self._staff_id, self.scenes = who.staff_id, scenes
        return GuideState.watch

    # --- staff: start, steer, stop -------------------------------------------------------

    async def _in_charge(self) -> bool:
        """A staff page guides only while the call is with whoever is logged in, now."""
        if self.role != "staff":
            return False
        who = (await self.get_state(SessionState)).current_staff()
        try:
            with session_scope() as session:
                staff_in_charge(session, self.consultation_id, who.staff_id if who else 0)
        except (LookupError, PermissionError):
            self.active, self.error_key = False, "call.handed_on"
            return False
        return True

    @rx.event
    async def start(self) -> None:
        if not self.scenes or not await self._in_charge():
            return
        scene_id = self.scene_id or int(self.scenes[0]["id"])
        try:
            with session_scope() as session:
                view = guide.start(
                    session, self.consultation_id, self._staff_id, scene_id,
                    _next_seq(int(self._latest.get("seq", 0))),
                )  # fmt: skip
        except GuideError as error:
            self.error_key = error.key
            return
        self.active, self.holder, self.error_key = True, "staff", ""
        await self._show(view)
        await get_broker().publish(guide.guide_topic(self.consultation_id), view.message("start"))

    @rx.event
    async def stop(self) -> None:
        if not await self._in_charge():
            return
        with session_scope() as session:
            guide.stop(session, self.consultation_id, self._staff_id)
        self.active, self.holder, self.target, self.highlight = False, "staff", None, ""
        await get_broker().publish(guide.guide_topic(self.consultation_id), guide.STOP)

    @rx.event
    async def show_scene(self, scene_id: int) -> None:
        """Staff take the customer to another area, at its opening view."""
        if self.role == "staff" and self.active and await self._in_charge():
            await self._go_to_scene(scene_id)

    async def _go_to_scene(self, scene_id: int) -> None:
        try:
            with session_scope() as session:
                view = guide.move(
                    session, self.consultation_id, self._staff_id, int(scene_id),
                    _next_seq(int(self._latest.get("seq", 0))),
                )  # fmt: skip
        except (GuideError, TypeError, ValueError) as error:
            self.error_key = getattr(error, "key", "guide.unknown_scene")
            return
        self.highlight = ""
        await self._show(view)
        await self._publish(view)

    @rx.event
    async def point_at(self, marker_id: str) -> None:
        """A marker clicked in the staff viewer: an area link moves there, a product is
        pointed out (clicked again: no longer)."""
        if self.role != "staff" or not self.active or not await self._in_charge():
            return
        marker = next((m for m in self.markers if m["id"] == marker_id), None)
        if marker is None:
            return
        if marker["kind"] == "scene":
            scene = next((s for s in self.scenes if s["slug"] == marker["target"]), None)
            if scene is not None:
                await self._go_to_scene(int(scene["id"]))
            return
        self.highlight = "" if self.highlight == marker_id else marker_id
        await self._steer_from(self._latest)

    @rx.event
    async def clear_highlight(self) -> None:
        if self.role == "staff" and self.active and self.highlight and await self._in_charge():
            self.highlight = ""
            await self._steer_from(self._latest)

    @rx.event
    async def steer(self, view: dict[str, Any]) -> None:
        """The staff viewer moved (≤ 5/s): checked, then sent to the customer."""
        if self.role != "staff" or not self.active or not isinstance(view, dict):
            return
        if not await self._in_charge():
            return
        await self._steer_from(view)

    async def _steer_from(self, view: dict[str, Any]) -> None:
        raw = {
            "scene_id": self.scene_id,
            "yaw": view.get("yaw"),
            "pitch": view.get("pitch"),
            "zoom": view.get("zoom"),
            "highlight": self.highlight or None,
            "seq": _next_seq(int(self._latest.get("seq", 0))),
        }
        try:
            checked = guide.parse_view(raw)
            if self._checked != (checked.scene_id, self.highlight):
                with session_scope() as session:
                    guide.check_view(session, self.consultation_id, checked)
                self._checked = (checked.scene_id, self.highlight)
        except (GuideError, LookupError) as error:
            self.error_key = getattr(error, "key", "guide.bad_view")
            return
        self.error_key = ""
        await self._publish(checked)

    async def _publish(self, view: GuideView) -> None:
        self._latest = view.message()
        await get_broker().publish(guide.guide_topic(self.consultation_id), self._latest)

    # --- customer: take control, hand it back ------------------------------------------

    @rx.event
    async def take_control(self) -> None:
        if self.role != "customer" or not self.active or self.holder == "customer":
            return
        self.holder = "customer"
        await get_broker().publish(
            guide.guide_topic(self.consultation_id), guide.control_message("customer")
        )

    @rx.event
    async def follow(self) -> None:
        if self.role != "customer" or not self.active or self.holder == "staff":
            return
        self.holder = "staff"
        await get_broker().publish(
            guide.guide_topic(self.consultation_id), guide.control_message("staff")
        )
        if self._latest:
            await self._show(guide.parse_view(self._latest))

    # --- both: show a view, listen to the topic ------------------------------------------

    async def _show(self, view: GuideView) -> None:
        """Point this page's viewer at `view`, loading its scene first if it changed."""
        self._latest, self.latest_seq = view.message(), view.seq
        if view.scene_id != self.scene_id:
            lang = (await self.get_state(SessionState)).lang
            with session_scope() as session:
                shown = guide.scene_for_call(
                    session, self.consultation_id, view.scene_id, lang, PANORAMAS
                )
            self.scene_id, self.panorama, self.base_url = (
                shown.scene_id,
                shown.panorama,
                shown.base_url,
            )
            self.markers = shown.markers
            # The new panorama opens at the view: no animation, which could undo a move
            # the staff member makes while it loads.
            self.default_yaw, self.default_pitch = view.yaw, view.pitch
            self.default_zoom, self.target = view.zoom, None
        else:
            self._local_seq += 1
            self.target = {"yaw": view.yaw, "pitch": view.pitch, "zoom": view.zoom}
            self.target["seq"] = self._local_seq
        self.highlight = view.highlight or ""

    async def _receive(self, item: dict[str, Any]) -> None:
        """One message of the topic, with the state lock held."""
        try:
            kind, payload = guide.parse_message(item)
        except GuideError:
            log.info("guide message dropped: %r", item)
            return
        topic = guide.guide_topic(self.consultation_id)
        if kind == "stop":
            self.active, self.holder, self.target, self.highlight, self._latest = (
                False, "staff", None, "", {},
            )  # fmt: skip
        elif kind == "control" and isinstance(payload, str):
            self.holder = payload
        elif kind == "hello" and self._latest and self.active:
            await get_broker().publish(topic, self._latest)
        elif isinstance(payload, GuideView) and (kind == "start" or self.active):
            if payload.seq <= int(self._latest.get("seq", 0)):
                return  # our own, or older than what we show
            if kind == "start":
                self.active, self.holder = True, "staff"
            if self.role == "staff" or self.holder == "staff":
                await self._show(payload)
            else:
                # Shown when the customer follows again.
                self._latest, self.latest_seq = payload.message(), payload.seq

    @rx.event(background=True)
    async def watch(self) -> None:
        async with self:
            consultation_id = self.consultation_id
            if not consultation_id or self._watching == consultation_id:
                return
            self._watching = consultation_id
        topic = guide.guide_topic(consultation_id)
        try:
            async with get_broker().subscribe(topic) as queue:
                fallback = await self._resume(consultation_id)
                await get_broker().publish(topic, guide.HELLO)
                await self._listen(consultation_id, queue, fallback)
        finally:
            async with self:
                if self._watching == consultation_id:
                    self._watching = 0

    async def _resume(self, consultation_id: int) -> GuideView | None:
        """A guide that is on (stored): its start scene, shown if no page answers `hello`."""
        with session_scope() as session:
            on = guide.status(session, consultation_id)
            opening = (
                guide.scene_opening(session, consultation_id, on.scene_id, 0)
                if on is not None and on.scene_id
                else None
            )
        if opening is not None:
            async with self:
                self.active = True
        return opening

    async def _listen(
        self,
        consultation_id: int,
        queue: asyncio.Queue[dict[str, Any]],
        fallback: GuideView | None,
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WATCH_MAX_S
        fallback_at = loop.time() + HELLO_WAIT_S
        while loop.time() < deadline:
            wait = WATCH_CHECK_S if fallback is None else max(0.0, fallback_at - loop.time())
            try:
                item = await asyncio.wait_for(queue.get(), wait)
            except TimeoutError:
                if fallback is not None:
                    await self._fall_back(consultation_id, fallback)
                    fallback = None
                elif await self._ended(consultation_id):
                    return
                continue
            async with self:
                if self.consultation_id != consultation_id:
                    return
                await self._receive(item)

    async def _fall_back(self, consultation_id: int, opening: GuideView) -> None:
        """Nobody answered `hello` (the staff page is closed): show where the guide started."""
        async with self:
            if self.consultation_id == consultation_id and self.active and not self._latest:
                await self._show(opening)

    async def _ended(self, consultation_id: int) -> bool:
        with session_scope() as session:
            ended = status_of(session, consultation_id) == "ended"
        if ended:
            async with self:
                self.active, self.target = False, None
        return ended
