"""The 360° tour: a scene's panorama with live product hotspots and links to other scenes."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any
from urllib.parse import urlencode

import reflex as rx
from reflex_base.event import EventSpec

from consult.consultations import customer_link, start_walk_in
from showroom import routes
from showroom.analytics import TourEventError, record
from showroom.catalogue import TOPIC as CATALOGUE
from showroom.components.panorama_viewer import panorama_viewer
from showroom.db import session_scope
from showroom.layout import T, has_key, page
from showroom.pubsub import get_broker
from showroom.session_state import SessionState
from showroom.settings import get_settings
from showroom.tours import NotFound, markers_of_scene, product_detail, scene_view


class TourState(rx.State):
    not_found: bool = False
    store_id: int = 0
    store_slug: str = ""
    store_name: str = ""
    scene_slug: str = ""
    scene_name: str = ""
    panorama: dict[str, Any] = {}
    base_url: str = ""
    initial_yaw: float = 0.0
    initial_pitch: float = 0.0
    markers: list[dict[str, Any]] = []
    scenes: list[dict[str, str]] = []
    product: dict[str, Any] = {}
    _scene_id: int = 0
    _watching: bool = False
    _last_look: float = 0.0
    _view_yaw: float = 0.0
    _view_pitch: float = 0.0

    @rx.event
    async def load(self) -> EventSpec | None:
        params = self.router.page.params
        lang = (await self.get_state(SessionState)).lang
        try:
            with session_scope() as session:
                view = scene_view(
                    session,
                    str(params.get("store_slug", "")),
                    str(params.get("scene_slug", "")),
                    lang,
                    routes.MEDIA + "/panoramas",
                )
        except NotFound:
            self.not_found = True
            return None
        self.not_found, self._scene_id = False, view.scene_id
        self.store_id, self.store_slug, self.store_name = (
            view.store_id,
            view.store_slug,
            view.store_name,
        )
        self.scene_slug, self.scene_name = view.scene_slug, view.scene_name
        self.panorama, self.base_url = view.panorama, view.base_url
        self.initial_yaw, self.initial_pitch = view.initial_yaw, view.initial_pitch
        self._view_yaw, self._view_pitch = view.initial_yaw, view.initial_pitch
        self.markers, self.scenes = view.markers, view.scenes
        self.product = {}
        await self._record("scene_enter")
        return TourState.watch_catalogue

    async def _record(self, kind: str, **details: Any) -> None:
        """Store a tour event for analytics and for staff; a bad one is dropped, not fatal."""
        visitor = (await self.get_state(SessionState)).ensure_visitor()
        try:
            with session_scope() as session:
                record(
                    session,
                    visitor_id=visitor,
                    store_id=self.store_id,
                    kind=kind,
                    scene_id=self._scene_id or None,
                    **details,
                )
        except TourEventError as error:
            log.info("tour event dropped: %s", error)

    @rx.event
    async def record_view(self, view: dict[str, float]) -> None:
        """Where the visitor looks (at most twice a second); stored as a sample every 2 s."""
        try:
            yaw, pitch = float(view["yaw"]), float(view["pitch"])
        except (KeyError, TypeError, ValueError):
            return
        self._view_yaw, self._view_pitch = yaw, pitch
        now = time.monotonic()
        if now - self._last_look < LOOK_SAMPLE_S:
            return
        self._last_look = now
        await self._record("look", yaw=yaw, pitch=pitch)

    @rx.event
    def ask_staff(self) -> EventSpec | None:
        """Book about the open product, taking along the view the visitor had of it."""
        if not self.product:
            return None
        query = urlencode({
            "product": self.product["id"], "scene": self.scene_slug,
            "yaw": f"{self._view_yaw:.4f}", "pitch": f"{self._view_pitch:.4f}",
        })  # fmt: skip
        return rx.redirect(f"/book/{self.store_slug}?{query}")

    @rx.event(background=True)
    async def watch_catalogue(self) -> None:
        """Shows stock and price changes made anywhere while this tour is open, without reload."""
        async with self:
            if self._watching:
                return
            self._watching = True
        try:
            async with get_broker().subscribe(CATALOGUE) as changes:
                while await self._still_touring():
                    try:
                        change = await asyncio.wait_for(changes.get(), WATCH_CHECK_S)
                    except TimeoutError:
                        continue
                    await self._apply_change(change)
        finally:
            async with self:
                self._watching = False

    async def _still_touring(self) -> bool:
        async with self:
            return self.router.url.path.startswith("/tour/") and not self.not_found

    async def _apply_change(self, change: dict[str, Any]) -> None:
        async with self:
            if change.get("store_id") not in (None, self.store_id):
                return
            scene_id, store_id = self._scene_id, self.store_id
            product_id = int(self.product.get("id", 0))
            lang = (await self.get_state(SessionState)).lang
        with session_scope() as session:  # read outside the state lock
            markers = markers_of_scene(session, scene_id, lang)
            product = product_detail(session, product_id, store_id, lang) if product_id else {}
        async with self:
            if self._scene_id == scene_id:
                self.markers = markers
                if product_id and int(self.product.get("id", 0)) == product_id:
                    self.product = product

    @rx.event
    async def open_marker(self, marker_id: str) -> EventSpec | None:
        marker = next((m for m in self.markers if m["id"] == marker_id), None)
        if marker is None:
            return None
        if marker["kind"] == "scene":
            return rx.redirect(routes.tour(self.store_slug, marker["target"]))
        lang = (await self.get_state(SessionState)).lang
        with session_scope() as session:
            self.product = product_detail(session, int(marker["product_id"]), self.store_id, lang)
        await self._record("product_open", product_id=int(marker["product_id"]))
        return None

    @rx.event
    def close_product(self) -> None:
        self.product = {}

    @rx.event
    async def call_now(self) -> EventSpec:
        visitor = (await self.get_state(SessionState)).ensure_visitor()
        with session_scope() as session:
            consultation = start_walk_in(session, self.store_id, visitor_id=visitor)
            link = customer_link(get_settings().secret_key, consultation)
        return rx.redirect(routes.call(link.token))


WATCH_CHECK_S = 10.0
LOOK_SAMPLE_S = 2.0
log = logging.getLogger(__name__)


def stock_badge(badge: rx.Var[str]) -> rx.Component:
    return rx.match(
        badge,
        ("in", rx.badge(T["stock.in"], color_scheme="green", size="2")),
        ("few", rx.badge(T["stock.few"], color_scheme="amber", size="2")),
        rx.badge(T["stock.out"], color_scheme="red", size="2"),
    )


def product_panel() -> rx.Component:
    product = TourState.product
    return rx.cond(
        has_key(product, "id"),
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.heading(product["name"].to(str), size="5", id="product-name"),
                    rx.spacer(),
                    rx.icon_button(
                        rx.icon("x"),
                        on_click=TourState.close_product,
                        variant="ghost",
                        aria_label=T["tour.close"],
                    ),
                    width="100%",
                ),
                rx.text(product["description"].to(str), color_scheme="gray"),
                rx.hstack(
                    rx.text(T["tour.price"], weight="medium"),
                    rx.text(product["price"].to(str), size="5", weight="bold", id="product-price"),
                    align="baseline",
                ),
                rx.hstack(
                    rx.text(T["tour.stock_here"]),
                    stock_badge(product["badge"].to(str)),
                    align="center",
                ),
                rx.button(T["tour.call_now"], on_click=TourState.call_now, width="100%"),
                rx.button(
                    T["booking.ask"],
                    on_click=TourState.ask_staff,
                    variant="soft",
                    width="100%",
                    id="ask-staff",
                ),
                spacing="3",
            ),
            position="absolute",
            right="1em",
            top="4.5em",
            width="min(360px, 90vw)",
            z_index="10",
            role="dialog",
            aria_label=product["name"].to(str),
        ),
    )


def scene_menu() -> rx.Component:
    return rx.hstack(
        rx.text(T["tour.scenes"], weight="medium", color="white"),
        rx.foreach(
            TourState.scenes,
            lambda s: rx.link(
                rx.button(
                    s["name"],
                    variant=rx.cond(s["slug"] == TourState.scene_slug, "solid", "soft"),
                    size="2",
                ),
                href="/tour/" + TourState.store_slug + "/" + s["slug"],
            ),
        ),
        rx.spacer(),
        rx.button(
            T["tour.call_now"],
            on_click=TourState.call_now,
            size="3",
            color_scheme="grass",
            id="call-now",
        ),
        position="absolute",
        left="0",
        right="0",
        top="0",
        padding="0.8em 1em",
        z_index="5",
        background="linear-gradient(rgba(0,0,0,0.55), transparent)",
        align="center",
        wrap="wrap",
    )


def tour() -> rx.Component:
    return page(
        rx.cond(
            TourState.not_found,
            rx.callout(T["tour.not_found"], color_scheme="red", role="alert"),
            rx.vstack(
                rx.heading(TourState.store_name + " · " + TourState.scene_name, size="6"),
                rx.box(
                    rx.cond(
                        has_key(TourState.panorama, "levels"),
                        panorama_viewer(
                            panorama=TourState.panorama,
                            base_url=TourState.base_url,
                            markers=TourState.markers,
                            default_yaw=TourState.initial_yaw,
                            default_pitch=TourState.initial_pitch,
                            lang=SessionState.viewer_texts,
                            on_marker_click=TourState.open_marker,
                            on_view_change=TourState.record_view,
                        ),
                        rx.center(rx.text(T["tour.loading"]), height="100%"),
                    ),
                    product_panel(),
                    scene_menu(),
                    position="relative",
                    width="100%",
                    height="min(72vh, 760px)",
                    border_radius="12px",
                    overflow="hidden",
                    background="#222",
                ),
                width="100%",
                spacing="3",
            ),
        ),
        on_switch=TourState.load,
    )


ROUTE = routes.TOUR
