"""Supervisor: the store's numbers for a day, week, month or custom range, per store or per
member of staff, with charts and a CSV export of every table (consult.calls.kpis computes)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.event import EventSpec
from sqlalchemy import select

from consult.calls import kpis
from showroom import routes
from showroom.db import session_scope
from showroom.i18n import t
from showroom.layout import T, forbidden_or, notice, page
from showroom.models import StaffMember, Store
from showroom.session_state import SessionState

SUMMARY_LABELS = {
    "consultations": "kpi.consultations",
    "booked": "kpi.booked",
    "walk_in": "kpi.walk_in",
    "answered_rate": "kpi.answered_rate",
    "average_wait_s": "kpi.average_wait",
    "average_duration_s": "kpi.average_duration",
    "no_show_rate": "kpi.no_show_rate",
    "conversion": "kpi.conversion",
    "orders": "kpi.orders",
    "revenue": "kpi.revenue",
    "average_order": "kpi.average_order",
    "rating": "kpi.rating",
    "ratings": "kpi.ratings",
}


def _shown(key: str, summary: dict[str, Any]) -> str:
    value = summary[key]
    if key.endswith("_rate") or key == "conversion":
        return f"{value}%"
    if key.endswith("_s"):
        return f"{value // 60}:{value % 60:02d}"
    if key in ("revenue", "average_order"):
        return str(summary[f"{key}_text"])
    return str(value)


class KpiState(rx.State):
    kind: str = "month"
    start: str = ""
    end: str = ""
    staff: str = ""  # "" the whole store, else a staff id
    staff_options: list[dict[str, str]] = []
    summary: list[dict[str, str]] = []
    series: list[dict[str, Any]] = []
    by_staff: list[dict[str, Any]] = []
    first: str = ""
    last: str = ""
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
            self.start = self.start or kpis.today_in(store).isoformat()
            self.staff_options = [
                {"id": str(i), "name": name}
                for i, name in session.execute(
                    select(StaffMember.id, StaffMember.display_name)
                    .where(StaffMember.store_id == store_id)
                    .order_by(StaffMember.display_name)
                )
            ]
        self._compute(store_id)
        return None

    @rx.event
    async def apply(self, form: dict[str, Any]) -> None:
        store_id = await self._store()
        if store_id is None:
            self.error_key = "auth.forbidden"
            return
        self.kind = str(form.get("kind", self.kind))
        self.start, self.end = str(form.get("start", "")), str(form.get("end", ""))
        staff = str(form.get("staff", ""))
        self.staff = "" if staff == "all" else staff
        self._compute(store_id)

    def _compute(self, store_id: int) -> None:
        try:
            chosen = kpis.period(self.kind, self.start, self.end)
            if self.staff and not self.staff.isdigit():
                raise kpis.KpiError("kpi.unknown_staff")
            with session_scope() as session:
                result = kpis.report(
                    session, store_id, chosen, staff_id=int(self.staff) if self.staff else None
                )
        except kpis.KpiError as error:
            self.error_key = error.key
            self.summary, self.series, self.by_staff = [], [], []
            return
        self.error_key = ""
        self.first, self.last = chosen.first.isoformat(), chosen.last.isoformat()
        self.summary = [
            {"key": key, "label": label, "value": _shown(key, result.summary),
             "raw": str(result.summary[key])}
            for key, label in SUMMARY_LABELS.items()
        ]  # fmt: skip
        self.series, self.by_staff = result.series, result.by_staff

    async def _lang(self) -> str:
        return (await self.get_state(SessionState)).lang

    async def _csv(self, name: str, headers: list[str], rows: list[dict[str, Any]],
                   columns: tuple[str, ...]) -> EventSpec | None:  # fmt: skip
        if await self._store() is None or self.error_key:
            return None
        lang = await self._lang()
        text = kpis.to_csv([t(lang, h) for h in headers], rows, columns)
        return rx.download(data=text, filename=f"{name}-{self.first}-{self.last}.csv",
                           mime_type="text/csv;charset=utf-8")  # fmt: skip

    @rx.event
    async def export_summary(self) -> EventSpec | None:
        return await self._csv("kpis", ["kpi.metric", "kpi.value"],
                               [{"label": t(await self._lang(), r["label"]), "value": r["value"]}
                                for r in self.summary], ("label", "value"))  # fmt: skip

    @rx.event
    async def export_series(self) -> EventSpec | None:
        return await self._csv(
            "calls-and-revenue",
            ["kpi.bucket", "kpi.booked", "kpi.walk_in", "kpi.revenue"],
            self.series,
            kpis.SERIES_COLUMNS,
        )

    @rx.event
    async def export_staff(self) -> EventSpec | None:
        return await self._csv(
            "staff",
            ["kpi.staff", "kpi.consultations", "kpi.answered", "kpi.orders", "kpi.revenue",
             "kpi.rating"],
            self.by_staff,
            kpis.STAFF_COLUMNS,
        )  # fmt: skip


APPLY: Any = KpiState.apply


def filters() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.vstack(
                rx.el.label(T["kpi.period"], html_for="kpi-kind", font_size="14px"),
                rx.el.select(
                    rx.el.option(T["kpi.day"], value="day"),
                    rx.el.option(T["kpi.week"], value="week"),
                    rx.el.option(T["kpi.month"], value="month"),
                    rx.el.option(T["kpi.custom"], value="custom"),
                    name="kind",
                    id="kpi-kind",
                    default_value=KpiState.kind,
                    style={"padding": "6px", "border_radius": "6px"},
                ),
                spacing="1",
            ),
            rx.vstack(
                rx.el.label(T["kpi.from"], html_for="kpi-start", font_size="14px"),
                rx.input(type="date", name="start", id="kpi-start", default_value=KpiState.start),
                spacing="1",
            ),
            rx.vstack(
                rx.el.label(T["kpi.to"], html_for="kpi-end", font_size="14px"),
                rx.input(type="date", name="end", id="kpi-end", default_value=KpiState.end),
                spacing="1",
            ),
            rx.vstack(
                rx.el.label(T["kpi.staff"], html_for="kpi-staff", font_size="14px"),
                rx.el.select(
                    rx.el.option(T["kpi.whole_store"], value="all"),
                    rx.foreach(
                        KpiState.staff_options,
                        lambda m: rx.el.option(m["name"], value=m["id"]),
                    ),
                    name="staff",
                    id="kpi-staff",
                    style={"padding": "6px", "border_radius": "6px"},
                ),
                spacing="1",
            ),
            rx.button(T["kpi.show"], type="submit", id="kpi-show"),
            spacing="3",
            wrap="wrap",
            align="end",
        ),
        on_submit=APPLY,
        width="100%",
    )


def summary_row(item: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell(T[item["label"].to(str)]),
        rx.table.cell(item["value"].to(str), class_name="kpi-value"),
        data_metric=item["key"].to(str),
    )


def series_row(item: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell(item["bucket"].to(str)),
        rx.table.cell(item["booked"].to(str)),
        rx.table.cell(item["walk_in"].to(str)),
        rx.table.cell(item["revenue_text"].to(str)),
        class_name="series-row",
    )


def staff_row(item: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell(item["name"].to(str)),
        rx.table.cell(item["consultations"].to(str)),
        rx.table.cell(item["answered"].to(str)),
        rx.table.cell(item["orders"].to(str)),
        rx.table.cell(item["revenue_text"].to(str)),
        rx.table.cell(item["rating"].to(str)),
        class_name="staff-kpi-row",
    )


def table(headers: list[str], body: rx.Component, id_: str) -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *(rx.table.column_header_cell(T[h], white_space="nowrap") for h in headers)
                )
            ),
            body,
            width="100%",
            id=id_,
            size="1",
        ),
        width="100%",
        overflow_x="auto",
    )


def export(handler: Any, id_: str) -> rx.Component:
    return rx.button(T["kpi.csv"], on_click=handler, variant="soft", size="1", id=id_)


def charts() -> rx.Component:
    return rx.grid(
        rx.card(
            rx.text(T["kpi.calls_chart"], weight="bold", size="2"),
            rx.recharts.line_chart(
                rx.recharts.line(data_key="booked", name=T["kpi.booked"], stroke="#0d74ce"),
                rx.recharts.line(data_key="walk_in", name=T["kpi.walk_in"], stroke="#e54d2e"),
                rx.recharts.x_axis(data_key="bucket"),
                rx.recharts.y_axis(allow_decimals=False),
                rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
                rx.recharts.legend(),
                rx.recharts.graphing_tooltip(),
                data=KpiState.series,
                width="100%",
                height=240,
            ),
            id="chart-calls",
        ),
        rx.card(
            rx.text(T["kpi.revenue_chart"], weight="bold", size="2"),
            rx.recharts.bar_chart(
                rx.recharts.bar(data_key="revenue", name=T["kpi.revenue"], fill="#30a46c"),
                rx.recharts.x_axis(data_key="bucket"),
                rx.recharts.y_axis(),
                rx.recharts.graphing_tooltip(),
                data=KpiState.series,
                width="100%",
                height=240,
            ),
            id="chart-revenue",
        ),
        rx.card(
            rx.text(T["kpi.staff_chart"], weight="bold", size="2"),
            rx.recharts.bar_chart(
                rx.recharts.bar(
                    data_key="consultations", name=T["kpi.consultations"], fill="#0d74ce"
                ),
                rx.recharts.bar(data_key="orders", name=T["kpi.orders"], fill="#30a46c"),
                rx.recharts.x_axis(data_key="name"),
                rx.recharts.y_axis(allow_decimals=False),
                rx.recharts.legend(),
                rx.recharts.graphing_tooltip(),
                data=KpiState.by_staff,
                width="100%",
                height=240,
            ),
            id="chart-staff",
        ),
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="4",
        width="100%",
    )


def kpi_page() -> rx.Component:
    return page(
        forbidden_or(
            rx.vstack(
                rx.heading(T["kpi.title"], size="7"),
                filters(),
                notice(KpiState.error_key),
                rx.cond(
                    KpiState.error_key == "",
                    rx.vstack(
                        rx.text(
                            KpiState.first,
                            " – ",
                            KpiState.last,
                            color_scheme="gray",
                            id="kpi-range",
                        ),
                        rx.hstack(
                            rx.heading(T["kpi.summary"], size="4"),
                            export(KpiState.export_summary, "csv-summary"),
                            align="center",
                        ),
                        table(
                            ["kpi.metric", "kpi.value"],
                            rx.table.body(rx.foreach(KpiState.summary, summary_row)),
                            "kpi-summary",
                        ),
                        charts(),
                        rx.hstack(
                            rx.heading(T["kpi.by_period"], size="4"),
                            export(KpiState.export_series, "csv-series"),
                            align="center",
                        ),
                        table(
                            ["kpi.bucket", "kpi.booked", "kpi.walk_in", "kpi.revenue"],
                            rx.table.body(rx.foreach(KpiState.series, series_row)),
                            "kpi-series",
                        ),
                        rx.hstack(
                            rx.heading(T["kpi.by_staff"], size="4"),
                            export(KpiState.export_staff, "csv-staff"),
                            align="center",
                        ),
                        table(
                            [
                                "kpi.staff",
                                "kpi.consultations",
                                "kpi.answered",
                                "kpi.orders",
                                "kpi.revenue",
                                "kpi.rating",
                            ],
                            rx.table.body(rx.foreach(KpiState.by_staff, staff_row)),
                            "kpi-staff-table",
                        ),
                        spacing="4",
                        width="100%",
                    ),
                ),
                spacing="4",
                width="100%",
            )
        ),
        on_switch=KpiState.load,
    )


ROUTE = routes.SUPERVISOR_KPIS
