"""The app: wires pages and the API together. Logic lives in the page and domain modules."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import logging
import mimetypes
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import reflex as rx
from reflex import constants
from reflex.utils import prerequisites
from reflex_base.utils.format import format_event_handler
from starlette.types import ASGIApp

from consult.booking.reminders import reminders
from consult.calls.board_feed import board_feed
from consult.commerce.housekeeping import commerce_housekeeping
from consult.media import plane
from consult.media.desk import RecordingDesk, install, publish_on_call, retention
from consult.media.registry import MediaRegistry
from showroom import routes
from showroom.api import build_api
from showroom.catalogue.products import MAX_CSV_BYTES
from showroom.db import session_scope
from showroom.delivery import deliver
from showroom.pages import (
    admin,
    admin_commerce,
    booking,
    call,
    index,
    kpis,
    login,
    order,
    orders,
    pay,
    recordings,
    staff,
    staff_call,
    supervisor,
    supervisor_call,
    tour,
    tour_insights,
)
from showroom.pages import admin_catalogue as catalogue_admin
from showroom.paint_first import paint_first_pages
from showroom.settings import get_settings
from showroom.tour_prelude import TourPrelude
from showroom.tours.panorama import jobs
from showroom.tours.panorama.jobs import panorama_worker
from showroom.tours.scenes import ScenePreview, scene_preview
from showroom.upload_gate import FORM_OVERHEAD, UploadRule, upload_gate
from showroom.web_headers import ControlCharacterPaths, SecurityHeaders, security_headers


def log_to_stderr(level: str) -> None:
    """Our modules' records to standard error (Reflex configures only its own logger)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("showroom", "consult"):
        logger = logging.getLogger(name)
        if not logger.handlers:  # once, even if this module is imported again
            logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False


log_to_stderr(get_settings().log_level)

# The one registry of live peer connections in this process, closed on shutdown.
media = MediaRegistry(ice_servers=get_settings().ice_servers)
plane.install(media)


# Call recordings, run where the media is.
desk = install(RecordingDesk(media, get_settings().recordings_dir, publish_on_call))


@contextlib.asynccontextmanager
async def close_media() -> AsyncIterator[None]:
    yield
    await media.close_all()


# <html lang> follows the page's language (WCAG 3.1.1): the shell marks its root with
# `data-page-lang`, which the server renders and the language switch changes.
SYNC_HTML_LANG = """(() => {
  const sync = () => {
    const lang = document.querySelector("[data-page-lang]")?.getAttribute("data-page-lang");
    if (lang && document.documentElement.lang !== lang) document.documentElement.lang = lang;
  };
  new MutationObserver(sync).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["data-page-lang"],
  });
  sync();
})();"""


def _handler(event: Any) -> str:
    """The name the browser sends in `Reflex-Event-Handler` for this event."""
    return format_event_handler(event)


# Every upload handler, with who may call it and its largest body; /_upload refuses the rest
# before reading a byte (a new upload handler needs a row here).
UPLOADS = {
    _handler(admin.AdminState.upload_panoramas): UploadRule(
        "supervisor", 8 * jobs.limits().max_bytes + FORM_OVERHEAD
    ),
    _handler(catalogue_admin.AdminCatalogueState.import_file): UploadRule(
        "supervisor", MAX_CSV_BYTES + FORM_OVERHEAD
    ),
}


@contextlib.asynccontextmanager
async def recording_desk() -> AsyncIterator[None]:
    """Finalise what a crash left behind, delete what is past retention; on shutdown,
    finalise what is being recorded (before the media registry closes)."""
    await desk.recover()
    task = asyncio.create_task(retention(desk))
    yield
    task.cancel()
    await desk.close()


# A base face this small travels inside the tour page (no round trip before the first pixels).
INLINE_PREVIEW_BYTES = 16 * 1024


def _scene_preview(store_slug: str, scene_slug: str) -> ScenePreview | None:
    with session_scope() as session:
        preview = scene_preview(session, store_slug, scene_slug, routes.MEDIA + "/panoramas")
    if preview is None:
        return None
    settings = get_settings()
    preview = dataclasses.replace(
        preview, image=settings.public_url + preview.faces[preview.facing]
    )
    face = settings.media_dir / preview.facing_file
    with contextlib.suppress(OSError):
        if face.stat().st_size <= INLINE_PREVIEW_BYTES:
            data = base64.b64encode(face.read_bytes()).decode()
            kind = mimetypes.guess_type(face.name)[0] or "image/jpeg"
            return dataclasses.replace(preview, inline=f"data:{kind};base64,{data}")
    return preview


def _built_pages() -> Path:
    """Where Reflex's production build is served from (reflex.utils.exec.get_frontend_mount)."""
    return prerequisites.get_web_dir() / constants.Dirs.STATIC


def tour_prelude(app: ASGIApp) -> ASGIApp:
    return TourPrelude(app, _built_pages, _scene_preview)


class ShowroomApp(rx.App):
    """Reflex's app with one layer around all of it, so that every answer (Reflex's own 404s
    and CORS answers too) carries the security headers."""

    def __call__(self) -> ASGIApp:
        everything = ControlCharacterPaths(super().__call__())
        return SecurityHeaders(everything, security_headers(get_settings()))


app = ShowroomApp(
    api_transformer=[
        build_api(media),
        upload_gate(UPLOADS),
        tour_prelude,
        paint_first_pages,
        deliver,
    ],
    stylesheets=["/theme.css"],
    head_components=[rx.script(SYNC_HTML_LANG), rx.script(src="/a11y.js")],
)
app.register_lifespan_task(close_media)
app.register_lifespan_task(recording_desk)
app.register_lifespan_task(reminders)
app.register_lifespan_task(commerce_housekeeping)
app.register_lifespan_task(panorama_worker)
app.register_lifespan_task(board_feed)

# What a search result or a shared link shows (both languages: the HTML is built once).
DESCRIPTION = (
    "Walk through the store in 360°, see live prices and stock, and talk to our staff by video."
    " 店内を360°で歩き、価格と在庫を確かめ、スタッフにビデオで相談できます。"
)
SHARED_LINK = [
    {"property": "og:site_name", "content": "Showroom"},
    {"property": "og:type", "content": "website"},
    {"property": "og:description", "content": DESCRIPTION},
]

app.add_page(
    index.index,
    route=index.ROUTE,
    title="Showroom",
    description=DESCRIPTION,
    meta=[*SHARED_LINK, {"property": "og:title", "content": "Showroom"}],
    on_load=index.IndexState.load,
)
app.add_page(
    tour.tour,
    route=tour.ROUTE,
    title="Showroom tour",
    description=DESCRIPTION,
    meta=[*SHARED_LINK, {"property": "og:title", "content": "Showroom tour"}],
    on_load=tour.TourState.load,
)
app.add_page(
    call.call_page, route=call.ROUTE, title="Video consultation", on_load=call.CallState.load
)
app.add_page(login.login, route=login.ROUTE, title="Staff login", on_load=login.LoginState.load)
app.add_page(staff.staff_page, route=staff.ROUTE, title="Staff", on_load=staff.StaffState.load)
app.add_page(
    staff_call.staff_call_page,
    route=staff_call.ROUTE,
    title="Call",
    on_load=staff_call.StaffCallState.load,
)
app.add_page(
    supervisor.supervisor_page,
    route=supervisor.ROUTE,
    title="Supervisor",
    on_load=supervisor.SupervisorState.load,
)
app.add_page(
    supervisor_call.supervisor_call_page,
    route=supervisor_call.ROUTE,
    title="Supervising a call",
    on_load=supervisor_call.SupervisorCallState.load,
)
app.add_page(kpis.kpi_page, route=kpis.ROUTE, title="Numbers", on_load=kpis.KpiState.load)
app.add_page(
    tour_insights.tour_insights_page,
    route=tour_insights.ROUTE,
    title="Tour analytics",
    on_load=tour_insights.TourInsightsState.load,
)
app.add_page(pay.pay_page, route=pay.ROUTE, title="Payment", on_load=pay.PayState.load)
app.add_page(order.order_page, route=order.ROUTE, title="Your order", on_load=order.OrderState.load)
app.add_page(
    orders.orders_page,
    route=orders.LIST_ROUTE,
    title="Orders",
    on_load=orders.OrdersState.load_list,
)
app.add_page(
    orders.order_detail_page,
    route=orders.DETAIL_ROUTE,
    title="Order",
    on_load=orders.OrdersState.load_order,
)
app.add_page(
    booking.book_page,
    route=booking.ROUTE,
    title="Book a consultation",
    on_load=booking.BookState.load,
)
app.add_page(
    booking.confirmed_page,
    route=booking.CONFIRMED_ROUTE,
    title="Booking confirmed",
    on_load=booking.ManageState.load_manage,
)
app.add_page(
    booking.join_page,
    route=booking.JOIN_ROUTE,
    title="Your consultation",
    on_load=booking.ManageState.load_join,
)
app.add_page(
    booking.reschedule_page,
    route=booking.RESCHEDULE_ROUTE,
    title="Change your booking",
    on_load=booking.ManageState.load_reschedule,
)
app.add_page(
    booking.cancel_page,
    route=booking.CANCEL_ROUTE,
    title="Cancel your booking",
    on_load=booking.ManageState.load_manage,
)
app.add_page(
    admin.admin_page, route=admin.ROUTE, title="Store admin", on_load=admin.AdminState.load
)
app.add_page(
    catalogue_admin.admin_catalogue_page,
    route=catalogue_admin.ROUTE,
    title="Products and stock",
    on_load=catalogue_admin.AdminCatalogueState.load,
)
app.add_page(
    admin_commerce.commerce_rules_page,
    route=admin_commerce.ROUTE,
    title="Selling in calls",
    on_load=admin_commerce.CommerceRulesState.load,
)
app.add_page(
    recordings.recordings_page,
    route=recordings.ROUTE,
    title="Recordings",
    on_load=recordings.RecordingsState.load,
)
app.add_page(
    recordings.player_page,
    route=recordings.PLAYER_ROUTE,
    title="Recording",
    on_load=recordings.RecordingPlayerState.load,
)
