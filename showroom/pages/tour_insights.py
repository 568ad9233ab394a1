"""Supervisor: where tour visitors look (a heatmap drawn over the scene in the viewer), what
each scene and product hotspot gets, and the funnel tour -> consultation -> paid order."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from reflex_base.event import EventSpec
from sqlalchemy import select

from consult.calls.kpis import MAX_DAYS, today_in
from showroom import routes
from showroom.components.panorama_viewer import panorama_viewer
from showroom.db import session_scope
from showroom.layout import T, forbidden_or, has_items, notice, page
from showroom.models import Scene, Store
from showroom.session_state import SessionState
from showroom.tours import insights

DEFAULT_DAYS = 30


def window(store: Store, first: str, last: str) -> insights.Window:
    """[first, last] (store days, inclusive) as UTC instants; ValueError(key) if unusable."""
    try:
        start, end = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError:
        raise ValueError("kpi.bad_date") from None
    if end < start:
        raise ValueError("kpi.reversed")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValueError("kpi.too_long")
    zone = ZoneInfo(store.timezone or "UTC")
    return insights.Window(
        datetime.combine(start, time(), zone),
        datetime.combine(end + timedelta(days=1), time(), zone),
    )


class TourInsightsState(rx.State):
    first: str = ""
    last: str = ""
    scene_id: str = ""
    scene_options: list[dict[str, str]] = []
    panorama: dict[str, Any] = {}
    base_url: str = ""
    markers: list[dict[str, Any]] = []
    cells: int = 0
    scenes: list[dict[str, Any]] = []
    products: list[dict[str, Any]] = []
    error_key: str = ""

    async def _store(self) -> int | None:
        who = (await self.get_state(SessionState)).current_staff()
        return who.store_id if who is not None and who.may("supervisor") else None

    @rx.event
    async def load(self) -> EventSpec | None:
        session_state = await self.get_state(SessionState)
        redirect = session_state.authorise("supervisor")
        if redirect is not None or session_state.forbidden:
            return redirect
        store_id = await self._store()
        if store_id is None:
            return None
        with session_scope() as session:
            store = session.get(Store, store_id)
            if store is None:
                return None
            today = today_in(store)
            self.last = self.last or today.isoformat()
            self.first = self.first or (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
            lang = session_state.lang
            self.scene_options = [
                {"id": str(s.id), "name": s.name_ja if lang == "ja" else s.name_en}
                for s in session.scalars(
                    select(Scene)
                    .where(Scene.store_id == store_id, Scene.panorama_meta.is_not(None))
                    .order_by(Scene.sort_order, Scene.id)
                )
            ]
        if not self.scene_id and self.scene_options:
            self.scene_id = self.scene_options[0]["id"]
        self._compute(store_id, lang)
        return None

    @rx.event
    async def apply(self, form: dict[str, Any]) -> None:
        store_id = await self._store()
        if store_id is None:
            self.error_key = "auth.forbidden"
            return
        self.first, self.last = str(form.get("first", "")), str(form.get("last", ""))
        self.scene_id = str(form.get("scene", self.scene_id))
        self._compute(store_id, (await self.get_state(SessionState)).lang)

    def _compute(self, store_id: int, lang: str) -> None:
        with session_scope() as session:
            store = session.get(Store, store_id)
            scene = session.get(Scene, int(self.scene_id)) if self.scene_id.isdigit() else None
            try:
                if store is None:
                    raise ValueError("kpi.unknown_store")
                if scene is None or scene.store_id != store_id or scene.panorama_meta is None:
                    raise ValueError("insights.unknown_scene")
                chosen = window(store, self.first, self.last)
            except ValueError as error:
                self.error_key = str(error)
                self.markers, self.scenes, self.products, self.cells = [], [], [], 0
                return
            cells = insights.heat(session, scene.id, chosen)
            self.markers = insights.heat_markers(cells)
            self.cells = len(cells)
            self.panorama = dict(scene.panorama_meta)
            self.base_url = f"{routes.MEDIA}/panoramas/{scene.panorama_dir}/"
            self.scenes = insights.scenes(session, store_id, chosen, lang)
            self.products = insights.funnel(session, store_id, chosen, lang)
        self.error_key = ""


APPLY: Any = TourInsightsState.apply


def scene_row(item: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell(item["name"].to(str)),
        rx.table.cell(item["visits"].to(str)),
        rx.table.cell(item["visitors"].to(str)),
        rx.table.cell(item["median_s"].to(str), " s"),
        class_name="scene-row",
    )


def product_row(item: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell(item["name"].to(str)),
        rx.table.cell(item["hotspot_opens"].to(str)),
        rx.table.cell(item["views"].to(str)),
        rx.table.cell(item["visitors"].to(str)),
        rx.table.cell(item["consultations"].to(str), " (", item["to_consultation"].to(str), ")"),
        rx.table.cell(item["orders"].to(str), " (", item["to_order"].to(str), ")"),
        class_name="funnel-row",
    )


def table(headers: list[str], rows: Any, render: Any, id_: str) -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *(rx.table.column_header_cell(T[h], white_space="nowrap") for h in headers)
                )
            ),
            rx.table.body(rx.foreach(rows, render)),
            width="100%",
            size="1",
            id=id_,
        ),
        width="100%",
        overflow_x="auto",
    )


def filters() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.vstack(
                rx.el.label(T["insights.scene"], html_for="insights-scene", font_size="14px"),
                rx.el.select(
                    rx.foreach(
                        TourInsightsState.scene_options,
                        lambda s: rx.el.option(s["name"], value=s["id"]),
                    ),
                    name="scene",
                    id="insights-scene",
                    default_value=TourInsightsState.scene_id,
                    style={"padding": "6px", "border_radius": "6px"},
                ),
                spacing="1",
            ),
            rx.vstack(
                rx.el.label(T["kpi.from"], html_for="insights-first", font_size="14px"),
                rx.input(type="date", name="first", id="insights-first",
                         default_value=TourInsightsState.first),
                spacing="1",
            ),
            rx.vstack(
                rx.el.label(T["insights.to"], html_for="insights-last", font_size="14px"),
                rx.input(type="date", name="last", id="insights-last",
                         default_value=TourInsightsState.last),
                spacing="1",
            ),
            rx.button(T["kpi.show"], type="submit", id="insights-show"),
            spacing="3",
            wrap="wrap",
            align="end",
        ),
        on_submit=APPLY,
        width="100%",
    )  # fmt: skip


def tour_insights_page() -> rx.Component:
    state = TourInsightsState
    return page(
        forbidden_or(
            rx.vstack(
                rx.heading(T["insights.title"], size="7"),
                filters(),
                notice(state.error_key),
                rx.cond(
                    state.error_key == "",
                    rx.vstack(
                        rx.heading(T["insights.heatmap"], size="4"),
                        rx.text(T["insights.heatmap_help"], size="2", color_scheme="gray"),
                        rx.box(
                            panorama_viewer(
                                panorama=state.panorama,
                                base_url=state.base_url,
                                markers=state.markers,
                                lang=SessionState.viewer_texts,
                            ),
                            width="100%",
                            height="min(60vh, 520px)",
                            border_radius="10px",
                            overflow="hidden",
                            background="#222",
                            id="heatmap",
                            data_cells=state.cells,
                        ),
                        rx.heading(T["insights.scenes"], size="4"),
                        table(["insights.scene", "insights.visits", "insights.visitors",
                               "insights.median"], state.scenes, scene_row, "insights-scenes"),
                        rx.heading(T["insights.funnel"], size="4"),
                        rx.cond(
                            has_items(state.products),
                            table(["insights.product", "insights.hotspot_opens",
                                   "insights.views", "insights.visitors",
                                   "insights.consultations", "insights.orders"],
                                  state.products, product_row, "insights-funnel"),
                            rx.text(T["insights.no_products"]),
                        ),
                        spacing="4",
                        width="100%",
                    ),
                ),
                spacing="4",
                width="100%",
            )
        ),
        on_switch=state.load,
    )  # fmt: skip


ROUTE = routes.SUPERVISOR_TOURS
