"""Store admin: products, prices and stock in a table, CSV import, and the POS/ERP API key.

Supervisors only. The state holds plain rows and message codes; the work is done by
`showroom.catalogue.products`. The API key reaches the browser only when the supervisor presses
"show the key", and leaves the state again on "hide" and whenever the page loads.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from showroom import routes
from showroom.catalogue.products import (
    MAX_CSV_BYTES,
    STOCK_PREFIX,
    CatalogueChange,
    CatalogueError,
    ProductEdit,
    edit_product,
    import_csv,
    list_products,
    parse_quantity,
    publish,
    set_stock,
    store_slugs,
)
from showroom.db import session_scope
from showroom.i18n import format_price
from showroom.layout import T, forbidden_or, has_items, has_key, page, upload_area
from showroom.session_state import SessionState
from showroom.settings import get_settings

UPLOAD_ID = "catalogue-csv"
ADMIN_HOME = "/admin"  # the store admin home (tour authoring), built in pages/admin.py


def _row(record: dict[str, Any], stores: list[str]) -> dict[str, Any]:
    """A product as the table shows it: the price as people write it, stock in store order."""
    price, currency = record["price"], record["currency"]
    written = format_price(price, currency).lstrip("¥$€£").replace(",", "")
    return {
        "sku": record["sku"],
        "name_en": record["name_en"],
        "name_ja": record["name_ja"],
        "description_en": record["description_en"],
        "description_ja": record["description_ja"],
        "price": written.strip(),
        "currency": currency,
        "stock": [
            {"store": slug, "quantity": str(record["stock"].get(slug, 0))} for slug in stores
        ],
    }


class AdminCatalogueState(rx.State):
    products: list[dict[str, Any]] = []
    stores: list[str] = []
    # Bumped on every reload, so the table's uncontrolled inputs show the stored values again.
    version: int = 0
    # Per SKU: a message key ("catalogue.saved", "catalogue_reason.invalid_price", ...).
    row_status: dict[str, str] = {}
    row_failed: dict[str, bool] = {}
    report: dict[str, Any] = {}
    revealed_key: str = ""
    key_hint: str = ""

    async def _supervisor(self) -> bool:
        session_state = await self.get_state(SessionState)
        who = session_state.current_staff()
        return who is not None and who.may("supervisor")

    @rx.event
    async def load(self) -> EventSpec | None:
        session_state = await self.get_state(SessionState)
        redirect = session_state.authorise("supervisor")
        self.revealed_key = ""
        if redirect is not None or session_state.forbidden:
            return redirect
        self._reload()
        self.row_status, self.row_failed, self.report = {}, {}, {}
        key = get_settings().api_keys[0]
        # Enough to tell keys apart, too little to weaken one: the page syncs to the browser.
        self.key_hint = key[:4] + "…" + key[-4:] if len(key) > 20 else "…"
        return None

    def _reload(self) -> None:
        with session_scope() as session:
            stores = store_slugs(session)
            products = list_products(session)
        self.stores = stores
        self.products = [_row(p, stores) for p in products]
        self.version += 1

    @rx.event
    async def save_row(self, form: dict[str, Any]) -> None:
        """One row of the table: everything is checked first, then stored in one transaction."""
        if not await self._supervisor():
            return
        sku = str(form.get("sku", ""))
        edit = ProductEdit(**{
            name: str(form.get(name, ""))
            for name in ("name_en", "name_ja", "description_en", "description_ja", "price")
        })  # fmt: skip
        try:
            quantities = {
                key.removeprefix(STOCK_PREFIX): parse_quantity(str(value))
                for key, value in form.items()
                if key.startswith(STOCK_PREFIX)
            }
            with session_scope() as session:
                changes: list[CatalogueChange] = [edit_product(session, sku, edit)]
                changes += [set_stock(session, s, sku, n) for s, n in quantities.items()]
        except CatalogueError as error:
            self.row_status[sku], self.row_failed[sku] = "catalogue_reason." + error.code, True
            return
        await publish(changes)
        changed = any(c.changed for c in changes)
        self.row_status[sku] = "catalogue.saved" if changed else "catalogue.unchanged"
        self.row_failed[sku] = False
        self._reload()

    @rx.event
    async def import_file(self, files: list[rx.UploadFile]) -> None:
        if not await self._supervisor():
            return
        if not isinstance(files, list) or not files or not isinstance(files[0], rx.UploadFile):
            self.report = _refused("not_csv")  # nothing, or not a file (sent over the socket)
            return
        upload = files[0]
        data = await upload.read(MAX_CSV_BYTES + 1)
        if not (upload.name or "").lower().endswith((".csv", ".txt")):
            self.report = _refused("not_csv")
            return
        with session_scope() as session:
            report = import_csv(session, data)
        await publish(report.changes)
        summary = report.summary()
        for row in summary["rejected"]:
            row["reason_key"] = "catalogue_reason." + row["code"]
            row["row"] = str(row["row"])
        summary["error_key"] = "catalogue_reason." + report.error if report.error else ""
        summary["file"] = upload.name or ""
        self.report = summary
        self._reload()

    @rx.event
    async def reveal_key(self) -> None:
        if await self._supervisor():
            self.revealed_key = get_settings().api_keys[0]

    @rx.event
    def hide_key(self) -> None:
        self.revealed_key = ""

    @rx.event
    async def download(self) -> EventSpec | None:
        if not await self._supervisor():
            return None
        from showroom.catalogue.products import export_csv

        with session_scope() as session:
            text = export_csv(session)
        return rx.download(data="\ufeff" + text, filename="catalogue.csv")


def _any(var: object) -> Any:
    """A state var as the Var it is at render time (mypy sees the plain Python type)."""
    return var


def _refused(code: str) -> dict[str, Any]:
    return {"error": code, "error_key": "catalogue_reason." + code, "rejected": [], "file": ""}


# Components ------------------------------------------------------------------------------------


def _field(
    name: str, value: Any, label_key: str, width: str = "100%", **props: Any
) -> rx.Component:
    return rx.input(
        name=name, default_value=value, aria_label=T[label_key], width=width, size="1", **props
    )


def _stock_input(entry: Any, sku: Any) -> rx.Component:
    return rx.hstack(
        rx.text(entry["store"].to(str), size="1", color_scheme="gray", width="4.5rem"),
        rx.input(
            name=STOCK_PREFIX + entry["store"].to(str),
            default_value=entry["quantity"].to(str),
            aria_label=T["catalogue.stock_in"] + " " + entry["store"].to(str) + " " + sku,
            input_mode="numeric",
            width="5rem",
            size="1",
            class_name="stock-input",
        ),
        align="center",
        spacing="1",
    )


def product_row(product: Any) -> rx.Component:
    sku = product["sku"].to(str)
    status = AdminCatalogueState.row_status[sku]
    failed = AdminCatalogueState.row_failed[sku]
    return rx.form(
        rx.hstack(
            rx.vstack(
                rx.code(sku, size="2"),
                rx.text(product["currency"].to(str), size="1", color_scheme="gray"),
                width="8rem",
                spacing="1",
            ),
            rx.el.input(type="hidden", name="sku", value=sku),
            rx.vstack(
                _field("name_en", product["name_en"], "catalogue.name_en"),
                _field("name_ja", product["name_ja"], "catalogue.name_ja"),
                width="15rem",
                spacing="1",
            ),
            rx.vstack(
                _field("description_en", product["description_en"], "catalogue.description_en"),
                _field("description_ja", product["description_ja"], "catalogue.description_ja"),
                flex="1",
                spacing="1",
            ),
            _field(
                "price",
                product["price"],
                "catalogue.price",
                width="7.5rem",
                input_mode="decimal",
                class_name="price-input",
            ),
            rx.vstack(
                rx.foreach(
                    product["stock"].to(list[dict[str, str]]), lambda e: _stock_input(e, sku)
                ),
                spacing="1",
                width="10rem",
            ),
            rx.vstack(
                rx.button(T["catalogue.save"], type="submit", size="1", class_name="save-row"),
                rx.cond(
                    status,
                    rx.text(
                        T[status],
                        size="1",
                        color_scheme=rx.cond(failed, "red", "green"),
                        role=rx.cond(failed, "alert", "status"),
                        max_width="9rem",
                        class_name="row-status",
                    ),
                ),
                width="9rem",
                spacing="1",
            ),
            align="start",
            spacing="3",
            width="100%",
        ),
        on_submit=AdminCatalogueState.save_row,
        key=sku + "-" + _any(AdminCatalogueState.version).to(str),
        id="product-" + sku,
        padding_y="0.6em",
        border_bottom="1px solid var(--gray-a4)",
        width="100%",
    )


def products_section() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(T["catalogue.title"], size="5"),
                rx.spacer(),
                rx.button(
                    rx.icon("download", size=16),
                    T["catalogue.download"],
                    on_click=AdminCatalogueState.download,
                    variant="soft",
                    size="2",
                ),
                width="100%",
                align="center",
            ),
            rx.text(T["catalogue.intro"], size="2", color_scheme="gray"),
            rx.cond(
                has_items(AdminCatalogueState.products),
                rx.box(
                    rx.hstack(
                        rx.text(T["catalogue.sku"], width="8rem"),
                        rx.text(T["catalogue.name"], width="15rem"),
                        rx.text(T["catalogue.description"], flex="1"),
                        rx.text(T["catalogue.price"], width="7.5rem"),
                        rx.text(T["catalogue.stock"], width="10rem"),
                        rx.box(width="9rem"),
                        spacing="3",
                        weight="medium",
                        size="2",
                        width="100%",
                        color="var(--gray-11)",
                        font_weight="500",
                        font_size="0.85em",
                    ),
                    rx.foreach(AdminCatalogueState.products, product_row),
                    width="100%",
                    id="catalogue-table",
                ),
                rx.text(T["catalogue.no_products"]),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def rejected_row(row: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["row"].to(str)),
        rx.table.cell(rx.code(row["sku"].to(str))),
        rx.table.cell(T[row["reason_key"].to(str)]),
    )


def import_report() -> rx.Component:
    report = AdminCatalogueState.report
    rejected = report["rejected"].to(list[dict[str, str]])
    return rx.cond(
        has_key(report, "rejected"),
        rx.vstack(
            rx.cond(
                report["error_key"].to(str) != "",
                rx.callout(
                    rx.text(T["catalogue.file_refused"] + " " + T[report["error_key"].to(str)]),
                    color_scheme="red",
                    role="alert",
                    width="100%",
                ),
                rx.callout(
                    T["catalogue.import_done"]
                    + " ("
                    + report["file"].to(str)
                    + "): "
                    + report["created"].to(str)
                    + " "
                    + T["catalogue.created"]
                    + " · "
                    + report["updated"].to(str)
                    + " "
                    + T["catalogue.updated"]
                    + " · "
                    + report["unchanged"].to(str)
                    + " "
                    + T["catalogue.unchanged_rows"],
                    color_scheme="green",
                    role="status",
                    width="100%",
                ),
            ),
            rx.cond(
                rejected.length() > 0,
                rx.vstack(
                    rx.heading(
                        T["catalogue.rejected"] + " (" + rejected.length().to(str) + ")", size="3"
                    ),
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                rx.table.column_header_cell(T["catalogue.row"]),
                                rx.table.column_header_cell(T["catalogue.sku"]),
                                rx.table.column_header_cell(T["catalogue.reason"]),
                            )
                        ),
                        rx.table.body(rx.foreach(rejected, rejected_row)),
                        width="100%",
                        id="rejected-rows",
                        size="1",
                    ),
                    width="100%",
                ),
            ),
            width="100%",
            id="import-report",
        ),
    )


def import_section() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(T["catalogue.import_title"], size="5"),
            rx.text(T["catalogue.import_help"], size="2", color_scheme="gray"),
            upload_area(
                T["catalogue.choose_file"],
                rx.vstack(
                    rx.icon("upload", size=22),
                    rx.text(T["catalogue.choose_file"], size="2"),
                    align="center",
                    spacing="1",
                ),
                id=UPLOAD_ID,
                multiple=False,
                max_size=MAX_CSV_BYTES,
                on_drop=AdminCatalogueState.import_file,
                border="1px dashed var(--gray-a8)",
                border_radius="8px",
                padding="1.2em",
                width="100%",
                cursor="pointer",
            ),
            import_report(),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def api_section() -> rx.Component:
    key_shown = AdminCatalogueState.revealed_key != ""
    example = (
        "curl -X PUT -H \"Authorization: Bearer $KEY\" -H \"Content-Type: application/json\" \\\n"
        "  -d '{\"quantity\": 2}' " + get_settings().public_url
        + "/api/catalogue/stores/<store>/stock/<sku>"
    )  # fmt: skip
    return rx.card(
        rx.vstack(
            rx.heading(T["catalogue.api_title"], size="5"),
            rx.text(T["catalogue.api_help"], size="2"),
            rx.hstack(
                rx.text(T["catalogue.api_key"], weight="medium"),
                rx.code(
                    rx.cond(
                        key_shown, AdminCatalogueState.revealed_key, AdminCatalogueState.key_hint
                    ),
                    id="api-key",
                ),
                rx.button(
                    rx.cond(key_shown, T["catalogue.hide"], T["catalogue.reveal"]),
                    on_click=rx.cond(
                        key_shown, AdminCatalogueState.hide_key, AdminCatalogueState.reveal_key
                    ),
                    size="1",
                    variant="soft",
                    id="reveal-key",
                ),
                align="center",
                wrap="wrap",
            ),
            rx.cond(~key_shown, rx.text(T["catalogue.key_hidden"], size="1", color_scheme="gray")),
            # Wrapped, not scrolled: a scrolling <pre> would need its own tab stop.
            rx.code_block(example, language="bash", width="100%", wrap_long_lines=True),
            rx.link(T["catalogue.schema"], href="/api/catalogue/openapi.json", is_external=True),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def admin_catalogue_page() -> rx.Component:
    return page(
        forbidden_or(
            rx.vstack(
                rx.link("← " + T["catalogue.back_to_admin"], href=ADMIN_HOME, size="2"),
                products_section(),
                import_section(),
                api_section(),
                spacing="4",
                width="100%",
            )
        ),
        on_switch=AdminCatalogueState.load,
    )


ROUTE = routes.ADMIN_CATALOGUE
