"""The 360° tour: a scene's panorama with live product hotspots and links to other scenes,
a product panel, a floor plan, a wish list, and a link to share the exact view."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import reflex as rx
from reflex_base.event import EventSpec, key_event

from consult.calls.consultations import customer_link, start_walk_in
from consult.calls.intro import MAX_NAME, CallerIntro, IntroError, read_intro
from consult.calls.queue import requested_staff, staff_to_call
from showroom import routes
from showroom.catalogue.products import TOPIC as CATALOGUE
from showroom.choices import chosen_id
from showroom.components.panorama_viewer import panorama_viewer
from showroom.db import session_scope
from showroom.layout import T, has_items, has_key, page
from showroom.pubsub import get_broker
from showroom.session_state import SessionState
from showroom.settings import get_settings
from showroom.tours import wish_list
from showroom.tours.analytics import TourEventError, record
from showroom.tours.scenes import (
    NotFound,
    apply_change_to_markers,
    apply_change_to_product,
    arrival_yaw,
    bearing,
    heading,
    is_stock_or_price_change,
    markers_of_scene,
    parse_view,
    product_detail,
    product_id_by_sku,
    scene_view,
    view_in_degrees,
)
from showroom.tours.wish_list import WishListError

# Keyboard users land in the panel once it is drawn (it comes with the same update).
# For a second: a closing menu hands focus back to its trigger a moment later. Focus is
# taken only from nowhere or from that menu, never from what the visitor chose meanwhile.
FOCUS_PANEL = (
    "(function focus(tries) { const el = document.getElementById('product-close');"
    " const now = document.activeElement;"
    " const idle = !now || now === document.body || now.id === 'products-here'"
    " || !!now.closest?.('[role=menu], [data-testid=panorama-viewer]');"
    " if (el && idle) { el.focus(); }"
    " if (tries > 0) { setTimeout(() => focus(tries - 1), 100); } })(10)"
)
WATCH_CHECK_S = 10.0
LOOK_SAMPLE_S = 2.0
AUTOROTATE_IDLE_MS = 20_000
log = logging.getLogger(__name__)


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
    initial_zoom: float = 50.0
    markers: list[dict[str, Any]] = []
    scenes: list[dict[str, Any]] = []
    plan: list[dict[str, Any]] = []
    heading_deg: float = 0.0
    product: dict[str, Any] = {}
    wish: list[dict[str, Any]] = []
    wish_ids: list[int] = []
    # Staff taking calls now, for "call someone in particular": {"id", "name", "busy"}.
    staff_choices: list[dict[str, Any]] = []
    wish_error: str = ""
    share_state: str = ""  # "", "copied" or "failed"
    share_url: str = ""
    _scene_id: int = 0
    _north: float = 0.0
    _entered_at: float = 0.0
    _watching: bool = False
    _last_look: float = 0.0
    _view_yaw: float = 0.0
    _view_pitch: float = 0.0
    _view_zoom: float = 50.0
    _asked_sku: str = ""
    # "Call now": asking the caller's optional name and language first (the staff id asked
    # for, "" for whoever is free); `intro_error` is a translated reason.
    intro_open: bool = False
    # A view to turn to (radians; a new seq turns again): a product picked from the menu.
    face: dict[str, float] = {}
    intro_for: str = ""
    intro_error: str = ""

    # --- Opening a scene (also on every move between scenes) -------------------------

    @rx.event
    async def load(self) -> list[EventSpec] | None:
        params = routes.path_params(routes.TOUR, self.router.url.path)
        self.face, self.intro_open = {}, False
        lang = await self._lang()
        await self._leave_scene()
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
            self.not_found, self._scene_id = True, 0
            return None
        asked = parse_view(self.router.url.query_parameters)
        self.not_found, self._scene_id, self._north = False, view.scene_id, view.north_offset
        self.store_id, self.store_slug, self.store_name = (
            view.store_id,
            view.store_slug,
            view.store_name,
        )
        self.scene_slug, self.scene_name = view.scene_slug, view.scene_name
        self.panorama, self.base_url = view.panorama, view.base_url
        self.initial_yaw = view.initial_yaw if asked.yaw is None else asked.yaw
        self.initial_pitch = view.initial_pitch if asked.pitch is None else asked.pitch
        self.initial_zoom = view.initial_zoom if asked.zoom is None else asked.zoom
        self._set_view(self.initial_yaw, self.initial_pitch, self.initial_zoom)
        self.markers, self.scenes, self.plan = view.markers, view.scenes, view.plan or []
        self.product, self.share_state, self.wish_error = {}, "", ""
        self._entered_at = time.monotonic()
        self._asked_sku = asked.sku or ""
        # The scene goes to the browser now; the rest follows in the next update, so the
        # viewer can start on the panorama a database write sooner.
        return [TourState.settle_in, TourState.watch_catalogue]

    @rx.event
    async def settle_in(self) -> None:
        """After a scene opened: record it, the wish list, and the product a link asked for."""
        if not self._scene_id:
            return
        lang = await self._lang()
        await self._record("scene_enter")
        await self._load_wish_list(lang)
        if self._asked_sku:
            with session_scope() as session:
                product_id = product_id_by_sku(session, self._asked_sku)
            self._asked_sku = ""
            if product_id is not None:
                await self._open_product(product_id, lang)

    @rx.event
    async def relabel(self) -> None:
        """After a language switch: the same view, its words in the other language."""
        if not self._scene_id:
            return
        lang = await self._lang()
        with session_scope() as session:
            self.markers = markers_of_scene(session, self._scene_id, lang)
        if self.product:
            await self._open_product(int(self.product["id"]), lang)
        await self._load_wish_list(lang)

    async def _lang(self) -> str:
        return (await self.get_state(SessionState)).lang

    def _set_view(self, yaw: float, pitch: float, zoom: float) -> None:
        self._view_yaw, self._view_pitch, self._view_zoom = yaw, pitch, zoom
        self.heading_deg = round(math.degrees(heading(yaw, self._north)) % 360, 1)

    async def _leave_scene(self) -> None:
        """Time spent in the scene being left, for analytics."""
        if self._scene_id and self._entered_at:
            spent = int((time.monotonic() - self._entered_at) * 1000)
            self._entered_at = 0.0
            await self._record("scene_leave", duration_ms=spent)

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

    # --- Looking around -----------------------------------------------------------------

    @rx.event
    async def record_view(self, view: dict[str, Any]) -> EventSpec | None:
        """Where the visitor looks (at most twice a second); stored as a sample every 2 s."""
        try:
            yaw, pitch = float(view["yaw"]), float(view["pitch"])
            zoom = float(view.get("zoom", self._view_zoom))
        except (KeyError, TypeError, ValueError):
            return None
        if not all(map(math.isfinite, (yaw, pitch, zoom))):
            return None
        self._set_view(yaw, pitch, min(max(zoom, 0.0), 100.0))
        self.share_state = ""
        now = time.monotonic()
        if not (view.get("auto") or now - self._last_look < LOOK_SAMPLE_S):
            self._last_look = now  # autorotate is not the visitor looking
            await self._record("look", yaw=yaw, pitch=pitch)
        # Back after a long disconnection: listen for live changes again.
        return None if self._watching else TourState.watch_catalogue

    def _link(self, with_product: bool = True) -> str:
        yaw, pitch = view_in_degrees(self._view_yaw, self._view_pitch)
        sku = str(self.product.get("sku", "")) if with_product and self.product else None
        return routes.tour(
            self.store_slug,
            self.scene_slug,
            yaw=yaw,
            pitch=pitch,
            zoom=round(self._view_zoom),
            product=sku or None,
        )

    @rx.event
    def share_opened(self, is_open: bool) -> EventSpec | None:
        """The share popover opened: copy the link (its button opens it, as a real trigger)."""
        return self._copy_link() if is_open is True else None

    def _copy_link(self) -> EventSpec:
        """Copy a link to exactly this view (and the open product) to the clipboard."""
        path = json.dumps(self._link())
        script = (
            "(async () => { const url = window.location.origin + " + path + ";"
            " try { await navigator.clipboard.writeText(url); return 'ok ' + url; }"
            " catch (e) { return 'failed ' + url; } })()"
        )
        return rx.call_script(script, callback=TourState.shared)

    @rx.event
    def shared(self, result: str) -> None:
        outcome, _, url = str(result).partition(" ")
        self.share_state = "copied" if outcome == "ok" else "failed"
        self.share_url = url[:2000]

    # --- Moving between scenes, keeping the sense of direction --------------------------

    def _scene_link(self, slug: str, travel: float | None) -> str:
        target = next((s for s in self.scenes if s["slug"] == slug), None)
        north = float(target["north"]) if target else 0.0
        if travel is None:
            travel = heading(self._view_yaw, self._north)
        yaw, pitch = view_in_degrees(arrival_yaw(travel, north), self._view_pitch)
        return routes.tour(self.store_slug, slug, yaw=yaw, pitch=pitch)

    @rx.event
    def go_to_scene(self, slug: str) -> EventSpec | None:
        """From the floor plan or the scene buttons: face the way one walks on the plan."""
        if slug == self.scene_slug or all(s["slug"] != slug for s in self.scenes):
            return None
        here = next((s for s in self.plan if s["slug"] == self.scene_slug), None)
        there = next((s for s in self.plan if s["slug"] == slug), None)
        travel = None  # no floor plan: keep facing the same way
        if here and there:
            travel = bearing((here["x"], here["y"]), (there["x"], there["y"]))
        return rx.redirect(self._scene_link(slug, travel))

    @rx.event
    async def pick_product(self, marker_id: str) -> EventSpec | None:
        """From "Products here": turn the view to the product, then open its panel."""
        marker = next((m for m in self.markers if m["id"] == str(marker_id)), None)
        if marker is None or marker["kind"] != "product":
            return None
        seq = self.face.get("seq", 0) + 1
        self.face = {"yaw": float(marker["yaw"]), "pitch": float(marker["pitch"]), "seq": seq}
        await self._open_product(int(marker["product_id"]), await self._lang())
        return rx.call_script(FOCUS_PANEL)

    @rx.event
    async def open_marker(self, marker_id: str) -> EventSpec | None:
        marker = next((m for m in self.markers if m["id"] == marker_id), None)
        if marker is None:
            return None
        await self._record("hotspot_open", product_id=int(marker["product_id"]) or None)
        if marker["kind"] == "scene":
            # Through a doorway: keep facing the way the doorway led.
            travel = heading(float(marker["yaw"]), self._north)
            return rx.redirect(self._scene_link(str(marker["target"]), travel))
        await self._open_product(int(marker["product_id"]), await self._lang())
        return rx.call_script(FOCUS_PANEL)

    # --- The product panel --------------------------------------------------------------

    async def _open_product(self, product_id: int, lang: str) -> None:
        try:
            with session_scope() as session:
                self.product = product_detail(
                    session, product_id, self.store_id, lang, routes.MEDIA
                )
        except NotFound:
            self.product = {}
            return
        await self._record("product_open", product_id=product_id)

    @rx.event
    async def show_product(self, product_id: int | str) -> EventSpec | None:
        chosen = chosen_id(product_id)
        if chosen is None:
            return None
        await self._open_product(chosen, await self._lang())
        return rx.call_script(FOCUS_PANEL)

    @rx.event
    def close_product(self) -> None:
        self.product = {}

    @rx.event
    def panel_key(self, key: str, _info: dict[str, Any]) -> None:
        if key == "Escape":
            self.product = {}

    def _tour_view(self) -> dict[str, object]:
        return {
            "scene": self.scene_slug,
            "yaw": round(self._view_yaw, 4),
            "pitch": round(self._view_pitch, 4),
            "zoom": round(self._view_zoom, 1),
        }

    @rx.event
    async def ask_staff(self) -> EventSpec | None:
        """Book about the open product, taking along the view the visitor had of it."""
        if not self.product:
            return None
        await self._leave_scene()
        view = self._tour_view()
        query = urlencode({
            "product": self.product["id"], "scene": view["scene"],
            "yaw": f"{self._view_yaw:.4f}", "pitch": f"{self._view_pitch:.4f}",
        })  # fmt: skip
        return rx.redirect(f"/book/{self.store_slug}?{query}")

    @rx.event
    def call_now(self) -> None:
        """Call now: first the caller's name and language (the product and view go along)."""
        self.intro_open, self.intro_for, self.intro_error = True, "", ""

    @rx.event
    def call_staff(self, staff_id: str | int) -> None:
        """Call now, for one member of staff by name."""
        chosen = chosen_id(staff_id)
        self.intro_open, self.intro_error = True, ""
        self.intro_for = str(chosen) if chosen is not None else ""

    @rx.event
    def close_intro(self, is_open: bool = False) -> None:
        self.intro_open = bool(is_open)

    @rx.event
    async def start_call(self, form: dict[str, Any]) -> EventSpec | None:
        """Join the queue with the name and language given (both may be left as they are)."""
        try:
            intro = read_intro(form.get("caller_name", ""), form.get("caller_language", ""))
        except IntroError as error:
            self.intro_error = error.key
            return None
        self.intro_error = ""
        return await self._call(self.intro_for, intro)

    @rx.event
    def load_staff_choices(self, is_open: bool) -> None:
        if is_open and self.store_id:
            with session_scope() as session:
                self.staff_choices = staff_to_call(session, self.store_id)

    async def _call(self, staff_id: str, intro: CallerIntro) -> EventSpec:
        session_state = await self.get_state(SessionState)
        visitor = session_state.ensure_visitor()
        product_id = int(self.product["id"]) if self.product else None
        await self._leave_scene()
        with session_scope() as session:
            consultation = start_walk_in(
                session,
                self.store_id,
                visitor_id=visitor,
                customer_name=intro.name,
                language=intro.language,
                product_id=product_id,
                tour_view=self._tour_view() if product_id else None,
                requested_staff_id=requested_staff(session, self.store_id, staff_id),
            )
            link = customer_link(get_settings().secret_key, consultation)
        self.intro_open = False
        return rx.redirect(routes.call(link.token))

    # --- Wish list ----------------------------------------------------------------------

    async def _load_wish_list(self, lang: str) -> None:
        visitor = (await self.get_state(SessionState)).ensure_visitor()
        with session_scope() as session:
            self.wish = wish_list.items(session, visitor, self.store_id, lang)
        self.wish_ids = [int(item["id"]) for item in self.wish]

    @rx.event
    async def toggle_wish(self, product_id: int | str) -> None:
        chosen = chosen_id(product_id)
        if chosen is None:
            return
        visitor = (await self.get_state(SessionState)).ensure_visitor()
        self.wish_error = ""
        try:
            with session_scope() as session:
                if chosen in self.wish_ids:
                    wish_list.remove(session, visitor, chosen)
                else:
                    wish_list.add(session, visitor, chosen, self.store_id)
        except WishListError as error:
            self.wish_error = f"wish.error_{error.code}"
        await self._load_wish_list(await self._lang())

    # --- Live price and stock -----------------------------------------------------------

    @rx.event(background=True)
    async def watch_catalogue(self) -> None:
        """Shows stock and price changes made anywhere while this tour is open, without reload."""
        async with self:
            if self._watching:
                return
            self._watching = True
        try:
            # Reflex cancels this (a chain of the page's load) when the browser disconnects;
            # a reconnect loads the page again, and with it this listener.
            async with get_broker().subscribe(CATALOGUE) as changes:
                while await self._still_touring():
                    try:
                        change = await asyncio.wait_for(changes.get(), WATCH_CHECK_S)
                    except TimeoutError:
                        continue
                    if change.get("changed", True):
                        await self._apply_change(change)
        finally:
            async with self:
                self._watching = False

    async def _still_touring(self) -> bool:
        async with self:
            return self.router.url.path.startswith("/tour/") and not self.not_found

    async def _apply_change(self, change: dict[str, Any]) -> None:
        if is_stock_or_price_change(change):
            # The message carries the new value: no database read, so 200 open tours
            # update as fast as one.
            async with self:
                self.markers = apply_change_to_markers(self.markers, change, self.store_id)
                self.product = apply_change_to_product(self.product, change, self.store_id)
                in_wish = change["product_id"] in self.wish_ids
            if in_wish:
                async with self:
                    await self._load_wish_list(await self._lang())
            return
        async with self:  # anything else: read the scene again
            scene_id, lang = self._scene_id, await self._lang()
            store_id, store_slug, scene_slug = self.store_id, self.store_slug, self.scene_slug
        if change.get("kind") == "scene" and change.get("store_id") == store_id:
            # A scene of this store was added, renamed or re-tiled: the menu and plan too.
            await self._reload_scene_list(scene_id, store_slug, scene_slug, lang)
            return
        with session_scope() as session:
            markers = markers_of_scene(session, scene_id, lang)
        async with self:
            if self._scene_id == scene_id:
                self.markers = markers

    async def _reload_scene_list(
        self, scene_id: int, store_slug: str, scene_slug: str, lang: str
    ) -> None:
        try:
            with session_scope() as session:
                view = scene_view(
                    session, store_slug, scene_slug, lang, routes.MEDIA + "/panoramas"
                )
        except NotFound:  # this scene went away: the visitor keeps what they see
            return
        async with self:
            if self._scene_id == scene_id:
                self.markers, self.scenes, self.plan = view.markers, view.scenes, view.plan or []
                self.scene_name = view.scene_name


# --- Pieces of the page ---------------------------------------------------------------------

# Typed Any: mypy sees handlers and state vars as plain methods and values.
TOGGLE_WISH: Any = TourState.toggle_wish
SHOW_PRODUCT: Any = TourState.show_product
GO_TO_SCENE: Any = TourState.go_to_scene
OPEN_MARKER: Any = TourState.open_marker
PICK_PRODUCT: Any = TourState.pick_product
CALL_STAFF: Any = TourState.call_staff
STAFF_CHOICES: Any = TourState.staff_choices
WISH_IDS: Any = TourState.wish_ids
WISH: Any = TourState.wish
PLAN: Any = TourState.plan
HEADING: Any = TourState.heading_deg


def stock_badge(badge: rx.Var[str]) -> rx.Component:
    return rx.match(
        badge,
        ("in", rx.badge(T["stock.in"], color_scheme="green", size="2")),
        ("few", rx.badge(T["stock.few"], color_scheme="amber", size="2")),
        rx.badge(T["stock.out"], color_scheme="red", size="2"),
    )


def photos(product: Any) -> rx.Component:
    return rx.cond(
        product["photos"].to(list).length() > 0,
        rx.hstack(
            rx.foreach(
                product["photos"].to(list[str]),
                lambda url: rx.image(
                    src=url,
                    alt=product["name"].to(str),
                    height=["140px", "140px", "120px"],
                    width="auto",
                    border_radius="8px",
                    loading="lazy",
                    flex="none",
                ),
            ),
            overflow_x="auto",
            width="100%",
            spacing="2",
            aria_label=T["tour.photos"],
            role="group",
            tab_index=0,
            id="product-photos",
        ),
    )


def other_stores(product: Any) -> rx.Component:
    return rx.cond(
        product["elsewhere"].to(list).length() > 0,
        rx.vstack(
            rx.text(T["tour.stock_elsewhere"], weight="medium", size="2"),
            rx.foreach(
                product["elsewhere"].to(list[dict[str, Any]]),
                lambda s: rx.hstack(
                    rx.text(s["name"].to(str), size="2"),
                    rx.spacer(),
                    stock_badge(s["badge"].to(str)),
                    width="100%",
                    align="center",
                ),
            ),
            spacing="1",
            width="100%",
            id="stock-elsewhere",
        ),
    )


def wish_button(product: Any) -> rx.Component:
    kept = WISH_IDS.contains(product["id"])
    return rx.button(
        rx.cond(kept, rx.icon("heart-off", size=16), rx.icon("heart", size=16)),
        rx.cond(kept, T["wish.added"], T["wish.add"]),
        on_click=TOGGLE_WISH(product["id"].to(int)),
        variant=rx.cond(kept, "solid", "outline"),
        color_scheme="crimson",
        width="100%",
        aria_pressed=rx.cond(kept, "true", "false"),
        id="wish-toggle",
    )


class KeyedBox(rx.el.Div):
    """A div that reports keys pressed inside it (Escape closes the product panel)."""

    if TYPE_CHECKING:
        on_key_down: rx.EventHandler
    else:
        on_key_down: rx.EventHandler[key_event]


def product_panel() -> rx.Component:
    product = TourState.product
    return rx.cond(
        has_key(product, "id"),
        KeyedBox.create(
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
                            id="product-close",
                            custom_attrs={"data-modal-close": ""},
                        ),
                        width="100%",
                    ),
                    photos(product),
                    rx.text(product["description"].to(str), color_scheme="gray", size="2"),
                    rx.hstack(
                        rx.text(T["tour.price"], weight="medium"),
                        rx.text(
                            product["price"].to(str), size="5", weight="bold", id="product-price"
                        ),
                        align="baseline",
                    ),
                    rx.hstack(
                        rx.text(T["tour.stock_here"], size="2"),
                        rx.spacer(),
                        stock_badge(product["badge"].to(str)),
                        align="center",
                        width="100%",
                        id="stock-here",
                    ),
                    other_stores(product),
                    wish_button(product),
                    rx.cond(
                        TourState.wish_error != "",
                        rx.text(
                            T[TourState.wish_error], color_scheme="red", size="2", role="alert"
                        ),
                    ),
                    # Kept in view at the panel's foot while the rest scrolls (a phone shows
                    # only part of the panel): calling or booking is what the panel is for.
                    rx.vstack(
                        rx.text(T["tour.ask_title"], weight="bold", size="3"),
                        rx.hstack(
                            rx.button(
                                T["tour.ask_call"],
                                on_click=TourState.call_now,
                                color_scheme="grass",
                                flex="1",
                                id="ask-call",
                            ),
                            rx.button(
                                T["tour.ask_book"],
                                on_click=TourState.ask_staff,
                                variant="soft",
                                flex="1",
                                id="ask-staff",
                            ),
                            width="100%",
                        ),
                        spacing="2",
                        width="100%",
                        position="sticky",
                        bottom="calc(-1 * var(--card-padding))",
                        padding_top="0.5em",
                        padding_bottom="var(--card-padding)",
                        margin_bottom="calc(-1 * var(--card-padding))",
                        background="var(--color-panel-solid)",
                        border_top="1px solid var(--gray-a5)",
                        z_index="1",
                        id="product-ask",
                    ),
                    spacing="3",
                ),
                position="absolute",
                right=["0", "0", "1em"],
                left=["0", "0", "auto"],
                top=["auto", "auto", "4.5em"],
                bottom=["0", "0", "auto"],
                width=["100%", "100%", "360px"],
                max_height=["72%", "72%", "calc(100% - 6em)"],
                overflow_y="auto",
                z_index="200",
                # Opaque: hotspot labels behind the panel must not show through it.
                background="var(--color-panel-solid)",
                style={"--card-background-color": "var(--color-panel-solid)"},
                role="dialog",
                aria_label=product["name"].to(str),
                id="product-panel",
                # A modal dialog (assets/a11y.js): focus in, kept in, Escape, focus back.
                custom_attrs={"aria-modal": "true", "data-modal": ""},
                tab_index=-1,
            ),
            on_key_down=TourState.panel_key,
        ),
    )


def products_menu() -> rx.Component:
    """Every product hotspot of the scene as a menu: the keyboard way to the products."""
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.icon("list", size=16),
                rx.text(T["tour.products_here"], display=["none", "none", "inline"]),
                variant="surface",
                size="2",
                aria_label=T["tour.products_here"],
                id="products-here",
                # Where focus returns when the product panel closes and its opener is gone.
                custom_attrs={"data-modal-return": ""},
            )
        ),
        rx.menu.content(
            rx.foreach(
                TourState.markers,
                lambda m: rx.cond(
                    m["kind"] == "product",
                    rx.menu.item(m["label"].to(str), on_select=PICK_PRODUCT(m["id"].to(str))),
                ),
            ),
        ),
    )


def wish_popover() -> rx.Component:
    return rx.popover.root(
        rx.popover.trigger(
            rx.button(
                rx.icon("heart", size=16),
                # Hidden on a phone but still read: the name is the title and the count.
                rx.text(T["wish.title"], class_name="wide-only"),
                rx.badge(WISH.length(), variant="solid", color_scheme="crimson"),
                variant="surface",
                size="2",
                id="wish-open",
            )
        ),
        rx.popover.content(
            rx.vstack(
                rx.heading(T["wish.title"], size="3"),
                rx.cond(
                    has_items(TourState.wish),
                    rx.vstack(
                        rx.foreach(TourState.wish, wish_row),
                        spacing="2",
                        width="100%",
                    ),
                    rx.text(T["wish.empty"], size="2", color_scheme="gray"),
                ),
                rx.text(T["wish.kept"], size="1", color_scheme="gray"),
                spacing="3",
                id="wish-list",
            ),
            width="min(340px, 92vw)",
        ),
    )


def wish_row(item: Any) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(item["name"].to(str), weight="medium", size="2"),
            rx.hstack(
                rx.text(item["price"].to(str), size="2"),
                stock_badge(item["badge"].to(str)),
                align="center",
            ),
            spacing="1",
        ),
        rx.spacer(),
        rx.button(
            T["wish.show"],
            size="1",
            variant="soft",
            on_click=SHOW_PRODUCT(item["id"].to(int)),
        ),
        rx.button(
            T["wish.remove"],
            size="1",
            variant="ghost",
            color_scheme="red",
            on_click=TOGGLE_WISH(item["id"].to(int)),
        ),
        width="100%",
        align="center",
        class_name="wish-item",
    )


def share_popover() -> rx.Component:
    return rx.popover.root(
        rx.popover.trigger(
            rx.button(
                rx.icon("share-2", size=16),
                rx.text(T["tour.share"], display=["none", "none", "inline"]),
                variant="surface",
                size="2",
                aria_label=T["tour.share"],
                id="share",
            )
        ),
        rx.popover.content(
            rx.vstack(
                rx.match(
                    TourState.share_state,
                    ("copied", rx.text(rx.icon("check", size=14), T["tour.copied"], size="2")),
                    ("failed", rx.text(T["tour.copy_failed"], size="2")),
                    rx.spinner(),
                ),
                rx.input(
                    value=TourState.share_url,
                    read_only=True,
                    width="100%",
                    aria_label=T["tour.share"],
                    id="share-url",
                ),
                spacing="2",
                role="status",
            ),
            width="min(380px, 92vw)",
        ),
        on_open_change=TourState.share_opened,
    )


def fullscreen_button() -> rx.Component:
    script = (
        "(() => { const stage = document.getElementById('tour-stage');"
        " if (document.fullscreenElement) { document.exitFullscreen(); }"
        " else { stage?.requestFullscreen?.(); } })()"
    )
    return rx.icon_button(
        rx.icon("maximize", size=16),
        on_click=rx.call_script(script),
        variant="surface",
        size="2",
        aria_label=T["tour.fullscreen"],
        id="fullscreen",
    )


def scene_bar() -> rx.Component:
    return rx.hstack(
        rx.hstack(
            rx.foreach(
                TourState.scenes,
                lambda s: rx.button(
                    s["name"].to(str),
                    on_click=GO_TO_SCENE(s["slug"].to(str)),
                    variant=rx.cond(s["slug"] == TourState.scene_slug, "solid", "surface"),
                    aria_current=rx.cond(s["slug"] == TourState.scene_slug, "location", "false"),
                    size="2",
                ),
            ),
            role="navigation",
            aria_label=T["tour.scenes"],
            wrap="wrap",
            spacing="2",
        ),
        rx.spacer(),
        rx.hstack(
            products_menu(),
            wish_popover(),
            share_popover(),
            fullscreen_button(),
            call_buttons(),
            spacing="2",
            wrap="wrap",
        ),
        position="absolute",
        left="0",
        right="0",
        top="0",
        padding="0.7em 0.8em",
        z_index="150",
        background="linear-gradient(rgba(0,0,0,0.55), transparent)",
        align="start",
        wrap="wrap",
        spacing="2",
    )


def staff_choice(member: Any) -> rx.Component:
    return rx.menu.item(
        rx.text(member["name"].to(str)),
        rx.cond(member["busy"], rx.badge(T["tour.call_in_call"], color_scheme="amber")),
        on_select=CALL_STAFF(member["id"].to(str)),
        class_name="call-staff",
        justify="between",
    )


def call_buttons() -> rx.Component:
    """Call now (whoever is free first), and a menu to ask for someone by name."""
    return rx.hstack(
        rx.button(
            T["tour.call_now"],
            on_click=TourState.call_now,
            size="2",
            color_scheme="grass",
            id="call-now",
        ),
        rx.menu.root(
            rx.menu.trigger(
                rx.icon_button(
                    rx.icon("chevron-down", size=16),
                    size="2",
                    color_scheme="grass",
                    aria_label=T["tour.call_choose"],
                    id="call-choose",
                )
            ),
            rx.menu.content(
                rx.text(
                    T["tour.call_choose"], size="1", color_scheme="gray", padding="0.2em 0.8em"
                ),
                rx.foreach(STAFF_CHOICES, staff_choice),
                rx.cond(
                    STAFF_CHOICES.length() == 0,
                    rx.menu.item(T["tour.call_nobody"], disabled=True),
                ),
                id="call-choices",
            ),
            on_open_change=TourState.load_staff_choices,
        ),
        spacing="1",
    )


def floor_plan() -> rx.Component:
    """The store's scenes from above, north up; the current one shows where the visitor looks."""
    return rx.cond(
        PLAN.length() > 1,
        rx.box(
            rx.foreach(TourState.plan, plan_spot),
            rx.foreach(TourState.plan, plan_label),
            position="absolute",
            left="0.8em",
            bottom="3.6em",
            width=["104px", "104px", "140px"],
            height=["104px", "104px", "140px"],
            border_radius="10px",
            background="rgba(17,17,17,0.55)",
            border="1px solid rgba(255,255,255,0.35)",
            z_index="95",
            role="navigation",
            aria_label=T["tour.floor_plan"],
            id="floor-plan",
        ),
    )


def plan_label(spot: Any) -> rx.Component:
    """The scene's name where `floor_plan` placed it: clear of the others, inside the plan."""
    label = spot["label"].to(dict[str, str])
    return rx.text(
        spot["name"].to(str),
        position="absolute",
        left=label["left"],
        top=label["top"],
        transform="translateX(" + label["shift"] + ")",
        width="max-content",
        max_width=label["max_width"],
        text_align="center",
        color="white",
        font_size="10px",
        line_height="12px",
        white_space="nowrap",
        overflow="hidden",
        text_overflow="ellipsis",
        text_shadow="0 0 3px rgba(0,0,0,0.9)",
        pointer_events="none",
        aria_hidden="true",
        class_name="plan-label",
    )


def plan_spot(spot: Any) -> rx.Component:
    here = spot["slug"] == TourState.scene_slug
    return rx.box(
        rx.cond(
            here,
            rx.box(  # the view cone, turned to the compass heading
                position="absolute",
                left="-22px",
                top="-22px",
                width="44px",
                height="44px",
                border_radius="50%",
                background="conic-gradient(from -35deg, rgba(255,214,102,0.85) 0 70deg,"
                " transparent 70deg)",
                transform="rotate(" + HEADING.to_string() + "deg)",
                pointer_events="none",
                id="plan-heading",
                custom_attrs={"data-heading": HEADING.to_string()},
            ),
        ),
        rx.el.button(
            on_click=GO_TO_SCENE(spot["slug"].to(str)),
            title=spot["name"].to(str),
            aria_label=rx.cond(
                here,
                T["tour.you_are_here"] + ": " + spot["name"].to(str),
                T["tour.go_to"] + " " + spot["name"].to(str),
            ),
            aria_current=rx.cond(here, "location", "false"),
            style={
                "position": "absolute",
                "left": "-8px",
                "top": "-8px",
                "width": "16px",
                "height": "16px",
                "border_radius": "50%",
                "border": "2px solid white",
                "background": rx.cond(here, "#f59e0b", "#3b82f6"),
                "cursor": "pointer",
                "padding": "0",
            },
            class_name="plan-spot",
        ),
        position="absolute",
        left=spot["left"].to(str) + "%",
        top=spot["top"].to(str) + "%",
        width="0",
        height="0",
    )


def stage() -> rx.Component:
    return rx.box(
        # First in the page (drawn above the viewer by its z-index), so Tab reaches the
        # scenes, products and call buttons before the viewer and its controls.
        scene_bar(),
        # Mounted at once (not after the scene arrives), so the viewer's code loads while
        # the page connects: the first pixels come sooner.
        panorama_viewer(
            panorama=TourState.panorama,
            base_url=TourState.base_url,
            markers=TourState.markers,
            default_yaw=TourState.initial_yaw,
            default_pitch=TourState.initial_pitch,
            default_zoom=TourState.initial_zoom,
            lang=SessionState.viewer_texts,
            autorotate_delay=AUTOROTATE_IDLE_MS,
            gyroscope=True,
            target_view=rx.cond(TourState.face, TourState.face, None),
            on_marker_click=TourState.open_marker,
            on_view_change=TourState.record_view,
        ),
        product_panel(),
        floor_plan(),
        position="relative",
        width="100%",
        height=["min(74vh, 640px)", "min(74vh, 640px)", "min(72vh, 760px)"],
        border_radius=["8px", "8px", "12px"],
        overflow="hidden",
        background="#222",
        id="tour-stage",
    )


def caller_intro() -> rx.Component:
    """Before the queue: an optional name and the language for the call."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(T["intro.title"]),
            rx.dialog.description(
                T["intro.help"], size="2", color_scheme="gray", margin_bottom="0.8em"
            ),
            rx.form(
                rx.vstack(
                    rx.text(
                        T["intro.name"],
                        as_="label",
                        size="2",
                        custom_attrs={"htmlFor": "caller-name"},
                    ),
                    rx.input(
                        id="caller-name",
                        name="caller_name",
                        auto_complete="name",
                        max_length=MAX_NAME + 1,  # one more, so an over-long paste is refused
                        width="100%",
                    ),
                    rx.text(
                        T["intro.language"],
                        as_="label",
                        size="2",
                        custom_attrs={"htmlFor": "caller-language"},
                    ),
                    rx.el.select(
                        rx.el.option(T["language.ja"], value="ja"),
                        rx.el.option(T["language.en"], value="en"),
                        id="caller-language",
                        name="caller_language",
                        default_value=SessionState.lang,
                        key=SessionState.lang,
                        class_name="rt-reset rt-SelectTrigger rt-r-size-2 rt-variant-surface",
                        width="100%",
                    ),
                    rx.cond(
                        TourState.intro_error != "",
                        rx.text(
                            T[TourState.intro_error],
                            color_scheme="red",
                            size="2",
                            role="alert",
                            id="intro-error",
                        ),
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button(T["intro.cancel"], variant="soft", color_scheme="gray")
                        ),
                        rx.button(
                            T["intro.start"], type="submit", color_scheme="grass", id="call-start"
                        ),
                        justify="end",
                        width="100%",
                        spacing="3",
                    ),
                    spacing="2",
                    width="100%",
                ),
                on_submit=TourState.start_call,
                width="100%",
            ),
            max_width="420px",
            id="caller-intro",
        ),
        open=TourState.intro_open,
        on_open_change=TourState.close_intro,
    )


def tour() -> rx.Component:
    return page(
        rx.cond(
            TourState.not_found,
            rx.callout(T["tour.not_found"], color_scheme="red", role="alert"),
            rx.vstack(
                rx.heading(
                    TourState.store_name + " · " + TourState.scene_name,
                    size=rx.breakpoints(initial="4", md="6"),
                ),
                stage(),
                caller_intro(),
                width="100%",
                spacing="3",
            ),
        ),
        on_switch=TourState.relabel,
    )


ROUTE = routes.TOUR
