"""The store list: where a customer starts."""

from __future__ import annotations

from typing import Any

import reflex as rx

from showroom import routes
from showroom.db import session_scope
from showroom.layout import T, has_items, page
from showroom.session_state import SessionState
from showroom.tours.scenes import list_stores


class IndexState(rx.State):
    stores: list[dict[str, str]] = []
    loaded: bool = False

    @rx.event
    async def load(self) -> None:
        lang = (await self.get_state(SessionState)).lang
        with session_scope() as session:
            self.stores = list_stores(session, lang)
        self.loaded = True


STORE_CARD_HEIGHT = "190px"


def store_card(store: Any) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(store["name"], size="5"),
            rx.text(store["address"], color_scheme="gray"),
            rx.cond(
                store["tour"] != "",
                rx.fragment(
                    rx.link(
                        rx.button(T["index.enter_tour"], size="3"),
                        href="/tour/" + store["slug"] + "/" + store["entrance"],
                    ),
                    rx.link(T["booking.book_link"], href="/book/" + store["slug"]),
                ),
                rx.text(T["index.tour_soon"], color_scheme="gray", size="2"),
            ),
            spacing="3",
        ),
        width="100%",
        max_width="420px",
        min_height=STORE_CARD_HEIGHT,
    )


def index() -> rx.Component:
    return page(
        rx.vstack(
            rx.heading(T["index.title"], size="8"),
            rx.text(T["app.tagline"], size="4", color_scheme="gray"),
            # A card's room is kept while the list loads, so nothing below it jumps (CLS).
            rx.cond(
                ~IndexState.loaded,
                rx.skeleton(height=STORE_CARD_HEIGHT, width="100%", max_width="420px"),
                rx.cond(
                    has_items(IndexState.stores),
                    rx.flex(rx.foreach(IndexState.stores, store_card), wrap="wrap", spacing="4"),
                    rx.text(T["index.no_stores"]),
                ),
            ),
            spacing="5",
        ),
        on_switch=IndexState.load,
    )


ROUTE = routes.INDEX
