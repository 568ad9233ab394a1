"""The customer's booking pages: book a consultation, the confirmation, and the links from the
confirmation email (join, reschedule, cancel), each reached by a signed token.

Database and mail work runs in worker threads; the states hold ids and plain display data.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import reflex as rx
from reflex_base.event import EventSpec
from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.booking.bookings import (
    book,
    booking_for_link,
    cancel,
    consultation_type,
    free_slots,
    join_waitlist,
    link_token,
    reschedule,
    rules_of,
)
from consult.booking.mail import WEEKDAYS_JA, format_time, notify_waitlist, send_booking_mail
from consult.booking.rules import BookingError, Slot, SlotTaken, clean_tour_view
from consult.calls.consultations import JOIN_EARLY, CallNotOpen, call_for_booking, customer_link
from consult.mail import MailError, mailer_from_settings
from consult.models import Booking, ConsultationType
from showroom import routes
from showroom.db import session_scope, utcnow
from showroom.i18n import MESSAGES, t
from showroom.layout import T, has_items, has_key, notice, page
from showroom.models import Product, StaffMember, Store
from showroom.seed import initials
from showroom.session_state import SessionState
from showroom.settings import get_settings
from showroom.tours.scenes import localised

log = logging.getLogger(__name__)
ANYONE = "0"  # the staff choice meaning "anyone available"


# Plain data for the pages (run in worker threads) -------------------------------------------


def _valid_zone(zone: str, fallback: str) -> str:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback
    return zone if zone else fallback


def _day_label(day: date, lang: str) -> str:
    if lang == "ja":
        return f"{day.month}月{day.day}日({WEEKDAYS_JA[day.weekday()]})"
    return f"{day:%a} {day.day} {day:%b}"


def _slot_rows(slots: list[Slot], zone: str, store_zone: str, lang: str) -> list[dict[str, str]]:
    rows = []
    for slot in slots:
        local = slot.starts_at.astimezone(ZoneInfo(zone))
        rows.append(
            {
                "start": slot.starts_at.isoformat(),
                "day": local.date().isoformat(),
                "day_label": _day_label(local.date(), lang),
                "time": f"{local:%H:%M}",
                "when": format_time(slot.starts_at, zone, lang),
                "store_when": format_time(slot.starts_at, store_zone, lang),
            }
        )
    return rows


def _days_of(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    seen: dict[str, str] = {}
    for row in rows:
        seen.setdefault(row["day"], row["day_label"])
    return [{"day": day, "label": label} for day, label in seen.items()]


def _translated(prefix: str, values: list[str], lang: str) -> str:
    """Stored values (e.g. 'sofas') shown through their i18n key when there is one."""
    names = [t(lang, f"{prefix}.{v}") if f"{prefix}.{v}" in MESSAGES else v for v in values]
    return ("、" if lang == "ja" else ", ").join(names)


def _find_store(session: Session, ref: str) -> tuple[Store, int | None]:
    """`ref` is a store slug, or a consultation type id (the 'book again' links in mails)."""
    if ref.isdigit():
        kind = consultation_type(session, int(ref))
        store = session.get(Store, kind.store_id)
        if store is not None:
            return store, kind.id
    store = session.scalar(select(Store).where(Store.slug == ref))
    if store is None:
        raise BookingError("booking.store_not_found", ref)
    return store, None


def _type_rows(session: Session, store_id: int, lang: str) -> list[dict[str, str]]:
    kinds = session.scalars(
        select(ConsultationType)
        .where(ConsultationType.store_id == store_id, ConsultationType.active.is_(True))
        .order_by(ConsultationType.id)
    )
    return [
        {
            "id": str(k.id),
            "name": localised(k, "name", lang),
            "description": localised(k, "description", lang),
            "minutes": t(lang, "booking.minutes").replace("{n}", str(k.duration_minutes)),
        }
        for k in kinds
    ]


def _staff_rows(session: Session, store_id: int, lang: str) -> list[dict[str, str]]:
    members = session.scalars(
        select(StaffMember)
        .where(StaffMember.store_id == store_id, StaffMember.active.is_(True))
        .order_by(StaffMember.id)
    )
    return [
        {
            "id": str(m.id),
            "name": m.display_name,
            "languages": _translated("language", list(m.languages), lang),
            "specialities": _translated("speciality", list(m.specialities), lang),
            "photo": f"{routes.MEDIA}/{m.photo}" if m.photo else "",
            "initials": initials(m.display_name),
        }
        for m in members
    ]


def _question_rows(session: Session, type_id: int, lang: str) -> list[dict[str, Any]]:
    return [
        {
            "id": str(q.id),
            "kind": q.kind,
            "label": localised(q, "label", lang),
            "required": q.required,
            "options": [
                {"value": o, "label": t(lang, f"answer.{o}") if f"answer.{o}" in MESSAGES else o}
                for o in (["yes", "no"] if q.kind == "yes_no" else list(q.options))
            ],
            "parent": str(q.show_if_question_id or ""),
            "show_if": q.show_if_answer or "",
        }
        for q in consultation_type(session, type_id).questions
    ]


@dataclass(frozen=True)
class Offer:
    store_slug: str
    store_name: str
    store_zone: str
    types: list[dict[str, str]]
    staff: list[dict[str, str]]
    type_id: int | None
    product_name: str


def load_offer(ref: str, lang: str, product_id: int) -> Offer:
    with session_scope() as session:
        store, type_id = _find_store(session, ref)
        product = session.get(Product, product_id) if product_id else None
        return Offer(
            store.slug,
            localised(store, "name", lang),
            store.timezone,
            _type_rows(session, store.id, lang),
            _staff_rows(session, store.id, lang),
            type_id,
            localised(product, "name", lang) if product else "",
        )


def load_questions(type_id: int, lang: str) -> list[dict[str, Any]]:
    with session_scope() as session:
        return _question_rows(session, type_id, lang)


def load_slots(
    type_id: int, staff_id: int | None, zone: str, store_zone: str, lang: str
) -> list[dict[str, str]]:
    with session_scope() as session:
        slots = free_slots(session, type_id, staff_id=staff_id, days=14)
    return _slot_rows(slots, zone, store_zone, lang)


@dataclass(frozen=True)
class BookingRequest:
    type_id: int
    staff_id: int | None
    starts_at: datetime
    name: str
    email: str
    phone: str
    answers: dict[str, object]
    language: str
    zone: str
    product_id: int | None
    visitor_id: str | None
    tour_view: dict[str, object] | None


def _send(session: Session, booking: Booking, kind: str) -> None:
    """Mail after the change is committed: a mail server failure must not undo a booking."""
    settings = get_settings()
    try:
        send_booking_mail(
            session,
            mailer_from_settings(),
            booking,
            kind,
            base_url=settings.public_url,
            key=settings.secret_key,
        )
    except MailError:
        log.exception("booking %s: %s mail not sent", booking.id, kind)


def place_booking(request: BookingRequest) -> str:
    """Book, commit, send the confirmation; returns the booking's manage token."""
    with session_scope() as session:
        booking = book(
            session,
            request.type_id,
            request.starts_at,
            customer_name=request.name,
            customer_email=request.email,
            customer_phone=request.phone,
            staff_id=request.staff_id,
            answers=request.answers,
            language=request.language,
            customer_timezone=request.zone,
            product_id=request.product_id,
            visitor_id=request.visitor_id,
            tour_view=request.tour_view,
        )
        session.commit()
        _send(session, booking, "confirmation")
        return link_token(get_settings().secret_key, booking, "manage")


def _summary(session: Session, booking: Booking, lang: str) -> dict[str, str]:
    key, base = get_settings().secret_key, get_settings().public_url
    store = session.get(Store, booking.store_id)
    kind = session.get(ConsultationType, booking.consultation_type_id)
    staff = session.get(StaffMember, booking.staff_id) if booking.staff_id else None
    assert store is not None and kind is not None
    zone = booking.customer_timezone or store.timezone
    manage = link_token(key, booking, "manage")
    opens = booking.starts_at - JOIN_EARLY
    # Shown up front; the domain refuses the change itself (BookingError) all the same.
    late = utcnow() + timedelta(minutes=rules_of(kind).min_notice) > booking.starts_at
    same_zone = zone == store.timezone  # then the store's time is not repeated
    store_when = "" if same_zone else format_time(booking.starts_at, store.timezone, lang)
    return {
        "id": str(booking.id),
        "type": localised(kind, "name", lang),
        "type_id": str(kind.id),
        "store": localised(store, "name", lang),
        "store_slug": store.slug,
        "zone": zone,
        "store_zone": store.timezone,
        "when": format_time(booking.starts_at, zone, lang),
        "store_when": store_when,
        "staff": staff.display_name if staff else "",
        "staff_id": str(booking.staff_id or ""),
        "status": booking.status,
        "email": booking.customer_email,
        "join_url": base + routes.booking_join(link_token(key, booking, "join")),
        "reschedule_url": routes.booking_reschedule(manage),
        "cancel_url": routes.booking_cancel(manage),
        "due": "yes" if utcnow() >= opens else "",
        "late": "yes" if late else "",
    }


def load_booking(token: str, purpose: str, lang: str) -> dict[str, str]:
    with session_scope() as session:
        booking = booking_for_link(session, get_settings().secret_key, token, purpose)
        return _summary(session, booking, lang)


def open_booked_call(token: str) -> str:
    """The customer's call link for the booking behind a join token (works only when due)."""
    key = get_settings().secret_key
    with session_scope() as session:
        booking = booking_for_link(session, key, token, "join")
        consultation = call_for_booking(session, booking)
        session.flush()
        return customer_link(key, consultation).token


def _tell_waitlist(session: Session, store_id: int, staff_id: int | None, freed: datetime) -> None:
    """The time a booking held is free again: mail those waiting for that day. Runs after the
    change is committed; a mail failure is logged and never undoes it."""
    try:
        notify_waitlist(
            session,
            mailer_from_settings(),
            store_id,
            staff_id,
            freed,
            base_url=get_settings().public_url,
        )
    except Exception:  # the change is committed; the page must still show it
        session.rollback()
        log.exception("waitlist for store %s at %s not notified", store_id, freed)


def move_booking(token: str, starts_at: datetime, lang: str) -> dict[str, str]:
    with session_scope() as session:
        booking = booking_for_link(session, get_settings().secret_key, token, "manage")
        freed = booking.starts_at
        reschedule(session, booking.id, starts_at)
        session.commit()
        _send(session, booking, "rescheduled")
        _tell_waitlist(session, booking.store_id, booking.staff_id, freed)
        return _summary(session, booking, lang)


def cancel_booking(token: str, lang: str) -> dict[str, str]:
    with session_scope() as session:
        booking = booking_for_link(session, get_settings().secret_key, token, "manage")
        cancel(session, booking.id)
        session.commit()
        _send(session, booking, "cancelled")
        _tell_waitlist(session, booking.store_id, booking.staff_id, booking.starts_at)
        return _summary(session, booking, lang)


def add_to_waitlist(
    type_id: int, day: date, staff_id: int | None, name: str, email: str, lang: str
) -> None:
    """Store a waitlist entry (the domain cleans name and email: BookingError, nothing kept)."""
    with session_scope() as session:
        join_waitlist(
            session,
            type_id,
            day,
            customer_name=name,
            customer_email=email,
            staff_id=staff_id,
            language=lang,
        )
        session.commit()


def _parse_start(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


# States -------------------------------------------------------------------------------------


class SlotPicker(rx.State, mixin=True):
    """Free slots grouped by day and the visitor's pick (start as a UTC ISO string)."""

    slots: list[dict[str, str]] = []
    days: list[dict[str, str]] = []
    day: str = ""
    start: str = ""
    next_slots: list[dict[str, str]] = []

    @rx.var
    def day_slots(self) -> list[dict[str, str]]:
        return [row for row in self.slots if row["day"] == self.day]

    @rx.var
    def chosen(self) -> dict[str, str]:
        rows = [*self.slots, *self.next_slots]
        return next((row for row in rows if row["start"] == self.start), {})

    def _show_slots(self, rows: list[dict[str, str]]) -> None:
        self.slots, self.days = rows, _days_of(rows)
        if self.day not in {d["day"] for d in self.days}:
            self.day = self.days[0]["day"] if self.days else ""
        if self.start not in {row["start"] for row in rows}:
            self.start = ""

    @rx.event
    def choose_day(self, day: str) -> None:
        self.day = day

    @rx.event
    def choose_slot(self, start: str) -> None:
        self.start = start


class BookState(SlotPicker, rx.State):
    ref: str = ""
    not_found_key: str = ""
    store_slug: str = ""
    store_name: str = ""
    store_zone: str = ""
    zone: str = ""
    types: list[dict[str, str]] = []
    staff: list[dict[str, str]] = []
    type_id: str = ""
    staff_id: str = ANYONE
    questions: list[dict[str, Any]] = []
    answers: dict[str, str] = {}
    product_id: int = 0
    product_name: str = ""
    _tour_view: dict[str, object] = {}
    error_key: str = ""
    error_field: str = ""  # the form field at fault ("q-<id>", "email"...), marked beside it
    loading: bool = False
    submitting: bool = False
    _placed: str = ""  # the manage token once booked
    waitlist_open: bool = False  # the form asks for a waitlist day instead of a slot
    waitlist_day: str = ""  # ISO day shown in the waitlist's date field
    waitlist_joined: str = ""  # the translated confirmation once on the waitlist

    @rx.var
    def staff_name(self) -> str:
        return next((row["name"] for row in self.staff if row["id"] == self.staff_id), "")

    @rx.var
    def shown_ids(self) -> list[str]:
        """Questions to show: unconditional ones, and those whose (shown) parent got the
        triggering answer."""
        shown: list[str] = []
        for q in self.questions:
            parent = q["parent"]
            if not parent or (parent in shown and self.answers.get(parent) == q["show_if"]):
                shown.append(q["id"])
        return shown

    async def _lang(self) -> str:
        return (await self.get_state(SessionState)).lang

    @rx.event
    async def load(self) -> EventSpec | None:
        params = routes.path_params(routes.BOOK, self.router.url.path)
        query = self.router.url.query_parameters
        self.ref = str(params.get("store_slug", ""))
        product = str(query.get("product", ""))
        self.product_id = int(product) if product.isdigit() else 0
        view = clean_tour_view(query.get("scene"), query.get("yaw"), query.get("pitch"))
        self._tour_view = view or {}
        self.type_id, self.staff_id, self.answers = "", ANYONE, {}
        self.start, self.error_key, self.next_slots = "", "", []
        self._placed, self.submitting = "", False
        self.waitlist_open, self.waitlist_joined = False, ""
        self.day = str(query.get("day", ""))  # from a waitlist mail's link, if any
        await self._load_offer()
        return rx.call_script(
            "Intl.DateTimeFormat().resolvedOptions().timeZone", callback=BookState.set_zone
        )

    async def _load_offer(self) -> None:
        ref, lang, product_id = self.ref, await self._lang(), self.product_id
        try:
            offer = await rx.run_in_thread(lambda: load_offer(ref, lang, product_id))
        except BookingError as error:
            self.not_found_key = error.key
            return
        self.not_found_key = ""
        self.store_slug, self.store_name, self.store_zone = (
            offer.store_slug,
            offer.store_name,
            offer.store_zone,
        )
        self.types, self.staff, self.product_name = offer.types, offer.staff, offer.product_name
        self.product_id = self.product_id if offer.product_name else 0
        if offer.type_id is not None:
            self.type_id = str(offer.type_id)
        elif self.type_id not in {row["id"] for row in self.types}:
            self.type_id = self.types[0]["id"] if self.types else ""
        self.zone = self.zone or self.store_zone
        await self._load_questions()

    async def _load_questions(self) -> None:
        if not self.type_id:
            self.questions = []
            return
        type_id, lang = int(self.type_id), await self._lang()
        self.questions = await rx.run_in_thread(lambda: load_questions(type_id, lang))

    async def _load_slots(self) -> None:
        if not self.type_id or self.not_found_key:
            return
        type_id, zone, store_zone, lang = (
            int(self.type_id),
            self.zone,
            self.store_zone,
            await self._lang(),
        )
        staff_id = None if self.staff_id == ANYONE else int(self.staff_id)
        self.loading = True
        rows = await rx.run_in_thread(lambda: load_slots(type_id, staff_id, zone, store_zone, lang))
        self.loading = False
        self._show_slots(rows)

    @rx.event
    async def set_zone(self, zone: Any) -> None:
        """The browser's IANA zone; anything unknown falls back to the store's zone."""
        self.zone = _valid_zone(str(zone or ""), self.store_zone)
        await self._load_slots()

    @rx.event
    async def reload(self) -> None:
        """After a language switch: names, questions and day labels in the new language."""
        await self._load_offer()
        await self._load_slots()

    @rx.event
    async def choose_type(self, type_id: str) -> None:
        if type_id != self.type_id and type_id in {row["id"] for row in self.types}:
            self.type_id, self.answers, self.start, self.error_key = type_id, {}, "", ""
            await self._load_questions()
            await self._load_slots()

    @rx.event
    async def choose_staff(self, staff_id: str) -> None:
        known = {ANYONE, *(row["id"] for row in self.staff)}
        if staff_id != self.staff_id and staff_id in known:
            self.staff_id, self.start, self.error_key = staff_id, "", ""
            await self._load_slots()

    @rx.event
    def set_answer(self, question_id: str | int, value: str) -> None:
        key = str(question_id)
        if all(q["id"] != key for q in self.questions) or not isinstance(value, str):
            return
        self.answers = {**self.answers, key: value}

    def _request(self, form: dict[str, Any], lang: str, visitor: str) -> BookingRequest | None:
        starts_at = _parse_start(self.start)
        if starts_at is None:
            self.error_key = "booking.choose_slot"
            return None
        answers: dict[str, object] = {
            q["id"]: str(form.get(f"q-{q['id']}", "")).strip()
            for q in self.questions
            if q["kind"] == "text"
        }
        answers.update(self.answers)
        return BookingRequest(
            type_id=int(self.type_id),
            staff_id=None if self.staff_id == ANYONE else int(self.staff_id),
            starts_at=starts_at,
            name=str(form.get("customer_name", "")),
            email=str(form.get("email", "")),
            phone=str(form.get("phone", "")),
            answers={k: v for k, v in answers.items() if v != ""},
            language=lang,
            zone=self.zone,
            product_id=self.product_id or None,
            visitor_id=visitor or None,
            tour_view=(self._tour_view or None) if self.product_id else None,
        )

    @rx.event
    def open_waitlist(self) -> None:
        """Offer the waitlist for the chosen day (or tomorrow when nothing is listed)."""
        tomorrow = datetime.now(ZoneInfo(self.store_zone or "UTC")).date() + timedelta(days=1)
        self.waitlist_day = self.day or tomorrow.isoformat()
        self.waitlist_open, self.waitlist_joined, self.error_key = True, "", ""
        self.start, self.next_slots = "", []  # waiting for a day, not booking a time

    @rx.event
    def close_waitlist(self) -> None:
        self.waitlist_open, self.waitlist_joined, self.error_key = False, "", ""

    @rx.event
    def set_waitlist_day(self, value: str) -> None:
        self.waitlist_day = value if isinstance(value, str) else ""

    async def _join_waitlist(self, form: dict[str, Any]) -> None:
        lang = await self._lang()
        today = datetime.now(ZoneInfo(self.store_zone or "UTC")).date()
        try:
            day = date.fromisoformat(str(form.get("waitlist_day", "")))
        except ValueError:
            day = today
        if day <= today or not self.type_id:
            self.error_key = "booking.waitlist_bad_day"
            return
        type_id = int(self.type_id)
        staff_id = None if self.staff_id == ANYONE else int(self.staff_id)
        name, email = str(form.get("customer_name", "")), str(form.get("email", ""))
        self.submitting = True
        try:
            await rx.run_in_thread(
                lambda: add_to_waitlist(type_id, day, staff_id, name, email, lang)
            )
        except BookingError as error:
            self.error_key = error.key
            return
        finally:
            self.submitting = False
        self.error_key, self.waitlist_day = "", day.isoformat()
        label = _day_label(day, lang)
        self.waitlist_joined = t(lang, "booking.waitlist_joined").replace("{day}", label)

    @rx.event
    async def submit(self, form: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        """Book off the event loop; the button shows progress meanwhile."""
        if self.waitlist_open:
            await self._join_waitlist(form)
            return
        if self._placed:  # a second click after the booking went through
            yield rx.redirect(routes.booking_confirmed(self._placed))
            return
        session_state = await self.get_state(SessionState)
        self.error_field = ""
        request = self._request(form, session_state.lang, session_state.visitor_id)
        if request is None:
            return
        self.submitting = True
        yield None
        try:
            self._placed = await rx.run_in_thread(lambda: place_booking(request))
        except SlotTaken as taken:
            self.error_key, self.start = taken.key, ""
            self.next_slots = _slot_rows(
                taken.next_slots, self.zone, self.store_zone, session_state.lang
            )
            return
        except BookingError as error:
            self.error_key, self.error_field = error.key, error.field
            if error.field:
                yield rx.call_script(focus_field(error.field))
            return
        finally:
            self.submitting = False
        self.error_key, self.next_slots = "", []
        yield rx.redirect(routes.booking_confirmed(self._placed))


class ManageState(SlotPicker, rx.State):
    """The pages a booking's links open: confirmed, join, reschedule, cancel."""

    token: str = ""
    error_key: str = ""
    done_key: str = ""
    booking: dict[str, str] = {}

    async def _open(self, purpose: str) -> bool:
        self.token = routes.last_segment(self.router.url.path)
        self.done_key, self.start, self.next_slots = "", "", []
        token, lang = self.token, (await self.get_state(SessionState)).lang
        try:
            self.booking = await rx.run_in_thread(lambda: load_booking(token, purpose, lang))
        except BookingError as error:
            self.booking, self.error_key = {}, error.key
            return False
        self.error_key = ""
        return True

    @rx.event
    async def load_manage(self) -> None:
        await self._open("manage")

    @rx.event
    async def load_join(self) -> None:
        await self._open("join")

    @rx.event
    async def join_call(self) -> EventSpec | None:
        """Open (or rejoin) the booking's call and go there with the customer's call link."""
        token = self.token
        try:
            link = await rx.run_in_thread(lambda: open_booked_call(token))
        except (BookingError, CallNotOpen) as error:
            self.error_key = error.key
            return None
        return rx.redirect(routes.call(link))

    @rx.event
    async def load_reschedule(self) -> None:
        opened = await self._open("manage")
        if opened and self.booking["status"] == "confirmed" and not self.booking["late"]:
            await self._load_slots()

    async def _load_slots(self) -> None:
        b, lang = self.booking, (await self.get_state(SessionState)).lang
        type_id, staff_id = int(b["type_id"]), int(b["staff_id"]) if b["staff_id"] else None
        rows = await rx.run_in_thread(
            lambda: load_slots(type_id, staff_id, b["zone"], b["store_zone"], lang)
        )
        self._show_slots(rows)

    @rx.event
    async def move(self) -> None:
        starts_at = _parse_start(self.start)
        if starts_at is None:
            self.error_key = "booking.choose_slot"
            return
        token, lang = self.token, (await self.get_state(SessionState)).lang
        try:
            self.booking = await rx.run_in_thread(lambda: move_booking(token, starts_at, lang))
        except SlotTaken as taken:
            self.error_key, self.start = taken.key, ""
            b = self.booking
            self.next_slots = _slot_rows(taken.next_slots, b["zone"], b["store_zone"], lang)
            return
        except BookingError as error:
            self.error_key = error.key
            return
        self.error_key, self.done_key, self.start, self.next_slots = (
            "",
            "booking.rescheduled",
            "",
            [],
        )
        await self._load_slots()

    @rx.event
    async def cancel(self) -> None:
        token, lang = self.token, (await self.get_state(SessionState)).lang
        try:
            self.booking = await rx.run_in_thread(lambda: cancel_booking(token, lang))
        except BookingError as error:
            self.error_key = error.key
            return
        self.error_key, self.done_key = "", "booking.cancelled"


# Components: state vars typed Any where mypy would see plain dicts ------------------------

BOOKING: Any = ManageState.booking
ANSWERS: Any = BookState.answers
SET_ANSWER: Any = BookState.set_answer
SEP: Any = rx.cond(SessionState.lang == "ja", "：", ": ")  # label and value

# ---------------------------------------------------------------------------------


def field_label(text: Any, html_for: Any, required: Any = False) -> rx.Component:
    return rx.hstack(
        rx.text(text, as_="label", custom_attrs={"htmlFor": html_for}, weight="medium"),
        rx.cond(required, rx.badge(T["booking.required"], color_scheme="gray", size="1")),
        spacing="2",
        align="center",
    )


def section(title: Any, *children: rx.Component, **props: Any) -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading(title, size="4", as_="h2"), *children, spacing="3", width="100%"),
        width="100%",
        **props,
    )


def type_card(kind: Any) -> rx.Component:
    return rx.radio_cards.item(
        rx.vstack(
            rx.hstack(
                rx.text(kind["name"], weight="bold"),
                rx.badge(kind["minutes"], size="1"),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.text(kind["description"], size="2", color_scheme="gray"),
            spacing="1",
            align="start",
            width="100%",
        ),
        value=kind["id"],
    )


def staff_card(member: Any) -> rx.Component:
    return rx.radio_cards.item(
        rx.hstack(
            rx.avatar(
                src=member["photo"],
                fallback=member["initials"],
                size="5",
                radius="full",
                # Decorative: the name is written beside it (Reflex takes `alt=` for CSS).
                custom_attrs={"alt": ""},
                class_name="staff-photo",
            ),
            staff_details(member),
            align="center",
            width="100%",
        ),
        value=member["id"],
    )


def staff_details(member: Any) -> rx.Component:
    return rx.vstack(
        rx.text(member["name"], weight="bold"),
        rx.text(T["booking.languages"] + SEP + member["languages"], size="2"),
        rx.cond(
            member["specialities"] != "",
            rx.text(
                T["booking.specialities"] + SEP + member["specialities"],
                size="2",
                color_scheme="gray",
            ),
        ),
        spacing="1",
        align="start",
        width="100%",
    )


def anyone_card() -> rx.Component:
    return rx.radio_cards.item(
        rx.vstack(
            rx.text(T["booking.anyone"], weight="bold"),
            rx.text(T["booking.anyone_hint"], size="2", color_scheme="gray"),
            spacing="1",
            align="start",
            width="100%",
        ),
        value=ANYONE,
    )


def slot_button(row: Any, state: Any) -> rx.Component:
    return rx.button(
        row["time"],
        on_click=state.choose_slot(row["start"]),
        variant=rx.cond(state.start == row["start"], "solid", "surface"),
        role="radio",
        aria_checked=rx.cond(state.start == row["start"], "true", "false"),
        aria_label=row["when"],
        custom_attrs={"data-start": row["start"]},
        size="2",
        type="button",
        min_width="5em",
    )


def slot_picker(state: Any, zone: Any, store_zone: Any) -> rx.Component:
    """Day buttons, then the chosen day's free times, and the pick in both zones."""
    return rx.vstack(
        rx.text(
            T["booking.times_in"] + SEP + zone + " · " + T["booking.store_zone"] + SEP + store_zone,
            size="2",
            color_scheme="gray",
            id="booking-zones",
        ),
        rx.cond(
            has_items(state.days),
            rx.vstack(
                rx.flex(
                    rx.foreach(
                        state.days,
                        lambda d: rx.button(
                            d["label"],
                            on_click=state.choose_day(d["day"]),
                            variant=rx.cond(state.day == d["day"], "solid", "soft"),
                            role="radio",
                            aria_checked=rx.cond(state.day == d["day"], "true", "false"),
                            custom_attrs={"data-day": d["day"]},
                            color_scheme="gray",
                            type="button",
                            size="2",
                        ),
                    ),
                    wrap="wrap",
                    spacing="2",
                    # One tab stop, arrows inside (WAI-ARIA radio group; assets/a11y.js).
                    role="radiogroup",
                    aria_label=T["booking.day"],
                    custom_attrs={"data-roving": ""},
                    id="booking-days",
                ),
                rx.separator(size="4"),
                rx.flex(
                    rx.foreach(state.day_slots, lambda row: slot_button(row, state)),
                    wrap="wrap",
                    spacing="2",
                    role="radiogroup",
                    aria_label=T["booking.time"],
                    custom_attrs={"data-roving": ""},
                    id="booking-slots",
                ),
                spacing="3",
                width="100%",
            ),
            rx.callout(T["booking.no_slots"], color_scheme="amber", id="booking-no-slots"),
        ),
        chosen_slot(state),
        spacing="3",
        width="100%",
    )


def chosen_slot(state: Any) -> rx.Component:
    return rx.cond(
        state.start != "",
        rx.callout(
            rx.vstack(
                rx.text(T["booking.chosen"] + SEP + state.chosen["when"].to(str), weight="bold"),
                rx.text(T["booking.store_time"] + SEP + state.chosen["store_when"].to(str)),
                spacing="1",
            ),
            icon="calendar-check",
            color_scheme="teal",
            id="booking-chosen",
        ),
    )


def next_slots(state: Any) -> rx.Component:
    """After 'this slot was just taken': the nearest free times, one click to pick."""
    return rx.cond(
        has_items(state.next_slots),
        rx.flex(
            rx.text(T["booking.next_free"], weight="medium"),
            rx.foreach(
                state.next_slots,
                lambda row: rx.button(
                    row["when"],
                    on_click=state.choose_slot(row["start"]),
                    variant=rx.cond(state.start == row["start"], "solid", "outline"),
                    custom_attrs={"data-start": row["start"]},
                    type="button",
                    size="2",
                ),
            ),
            wrap="wrap",
            spacing="2",
            align="center",
            id="booking-next-slots",
        ),
    )


def focus_field(field_id: str) -> str:
    """Script: focus the field (a radio group's first choice) and bring it into view."""
    return (
        f"(() => {{ const el = document.getElementById({field_id!r}); if (!el) return;"
        " const target = el.matches('input, textarea, button') ? el"
        " : el.querySelector('button[role=radio], input, textarea') || el;"
        " target.focus(); target.scrollIntoView({block: 'center'}); })()"
    )


def field_invalid(field_id: Any) -> Any:
    return (BookState.error_field == field_id) & (BookState.error_key != "")


def field_problem(field_id: Any) -> rx.Component:
    """The reason, beside the field at fault (the form's notice says it too)."""
    return rx.cond(
        field_invalid(field_id),
        rx.text(
            T[BookState.error_key],
            color_scheme="red",
            size="2",
            id=field_id + "-error",
            class_name="field-error",
        ),
    )


def question_input(q: Any) -> rx.Component:
    input_id = "q-" + q["id"].to(str)
    options = q["options"].to(list[dict[str, str]])
    choice = rx.radio_group.root(
        rx.flex(
            rx.foreach(
                options,
                lambda o: rx.text(
                    rx.flex(
                        rx.radio_group.item(value=o["value"]),
                        o["label"],
                        spacing="2",
                        align="center",
                    ),
                    as_="label",
                    size="2",
                ),
            ),
            spacing="4",
            wrap="wrap",
        ),
        value=ANSWERS[q["id"].to(str)],
        on_change=lambda value: SET_ANSWER(q["id"].to(str), value),
        aria_labelledby=input_id + "-label",
        aria_invalid=rx.cond(field_invalid(input_id), "true", "false"),
        aria_describedby=input_id + "-error",
        id=input_id,
    )
    return rx.vstack(
        rx.hstack(
            rx.text(
                q["label"].to(str),
                weight="medium",
                id=input_id + "-label",
                as_="label",
                custom_attrs={"htmlFor": input_id},
            ),
            rx.cond(q["required"], rx.badge(T["booking.required"], color_scheme="gray", size="1")),
            spacing="2",
            align="center",
        ),
        rx.cond(
            q["kind"] == "text",
            rx.input(
                id=input_id,
                name=input_id,
                width="100%",
                size="2",
                aria_invalid=rx.cond(field_invalid(input_id), "true", "false"),
                aria_describedby=input_id + "-error",
            ),
            choice,
        ),
        field_problem(input_id),
        spacing="2",
        width="100%",
        custom_attrs={"data-question": q["id"].to(str)},
    )


def question(q: Any) -> rx.Component:
    return rx.cond(BookState.shown_ids.contains(q["id"].to(str)), question_input(q))


def contact_fields() -> rx.Component:
    return rx.grid(
        rx.vstack(
            field_label(T["booking.name"], "customer_name", True),
            rx.input(
                id="customer_name",
                name="customer_name",
                autocomplete="name",
                width="100%",
                aria_invalid=rx.cond(field_invalid("customer_name"), "true", "false"),
                aria_describedby="customer_name-error",
            ),
            field_problem("customer_name"),
            width="100%",
        ),
        rx.vstack(
            field_label(T["booking.email"], "email", True),
            rx.input(
                id="email",
                name="email",
                type="email",
                autocomplete="email",
                width="100%",
                aria_invalid=rx.cond(field_invalid("email"), "true", "false"),
                aria_describedby="email-error",
            ),
            field_problem("email"),
            width="100%",
        ),
        rx.vstack(
            field_label(T["booking.phone"], "phone"),
            rx.input(id="phone", name="phone", type="tel", autocomplete="tel", width="100%"),
            width="100%",
        ),
        columns=rx.breakpoints(initial="1", md="3"),
        spacing="3",
        width="100%",
    )


def waitlist_offer() -> rx.Component:
    """Under the times: a button when nothing is free, else a quiet link."""
    return rx.cond(
        BookState.waitlist_open | BookState.loading,
        rx.fragment(),
        rx.cond(
            has_items(BookState.days),
            rx.button(
                T["booking.waitlist_link"],
                on_click=BookState.open_waitlist,
                variant="ghost",
                color_scheme="gray",
                type="button",
                size="2",
                id="waitlist-link",
            ),
            rx.button(
                T["booking.waitlist_join"],
                on_click=BookState.open_waitlist,
                variant="soft",
                type="button",
                id="waitlist-open",
            ),
        ),
    )


def waitlist_section() -> rx.Component:
    """The day (and the staff choice above) the customer waits for."""
    return section(
        T["booking.waitlist_title"],
        rx.text(T["booking.waitlist_hint"], size="2", color_scheme="gray"),
        rx.flex(
            rx.vstack(
                field_label(T["booking.waitlist_day"], "waitlist_day", True),
                rx.input(
                    id="waitlist_day",
                    name="waitlist_day",
                    type="date",
                    value=BookState.waitlist_day,
                    on_change=BookState.set_waitlist_day,
                ),
                spacing="1",
            ),
            rx.vstack(
                rx.text(T["booking.waitlist_staff"], weight="medium"),
                rx.text(
                    rx.cond(
                        BookState.staff_id == ANYONE, T["booking.anyone"], BookState.staff_name
                    ),
                    id="waitlist-staff",
                ),
                spacing="1",
            ),
            spacing="6",
            wrap="wrap",
        ),
        id="waitlist",
    )


def waitlist_actions() -> rx.Component:
    return rx.cond(
        BookState.waitlist_joined != "",
        rx.callout(
            BookState.waitlist_joined,
            icon="mail",
            color_scheme="green",
            role="status",
            id="waitlist-joined",
        ),
        rx.hstack(
            rx.button(
                T["booking.waitlist_join"],
                type="submit",
                size="3",
                loading=BookState.submitting,
                id="waitlist-submit",
            ),
            rx.button(
                T["booking.waitlist_back"],
                on_click=BookState.close_waitlist,
                variant="ghost",
                type="button",
                size="3",
                id="waitlist-back",
            ),
            spacing="4",
            align="center",
        ),
    )


def booking_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.cond(
                BookState.waitlist_open,
                waitlist_section(),
                rx.cond(
                    has_items(BookState.questions),
                    section(T["booking.questions"], rx.foreach(BookState.questions, question)),
                ),
            ),
            section(T["booking.your_details"], contact_fields()),
            notice(BookState.error_key),
            rx.cond(
                BookState.waitlist_open,
                waitlist_actions(),
                rx.fragment(
                    next_slots(BookState),
                    rx.button(
                        T["booking.submit"],
                        type="submit",
                        size="3",
                        loading=BookState.submitting,
                        id="booking-submit",
                    ),
                ),
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=BookState.submit,
        reset_on_submit=False,
        no_validate=True,
        width="100%",
    )


def book_page() -> rx.Component:
    return page(
        rx.cond(
            BookState.not_found_key != "",
            rx.callout(T[BookState.not_found_key], color_scheme="red", role="alert"),
            rx.vstack(
                rx.heading(T["booking.title"] + " · " + BookState.store_name, size="7"),
                rx.cond(
                    BookState.product_name != "",
                    rx.callout(
                        T["booking.about_product"] + SEP + BookState.product_name,
                        icon="sofa",
                        id="booking-product",
                    ),
                ),
                section(
                    T["booking.choose_type"],
                    rx.radio_cards.root(
                        rx.foreach(BookState.types, type_card),
                        value=BookState.type_id,
                        on_value_change=BookState.choose_type,
                        columns=rx.breakpoints(initial="1", sm="2"),
                        width="100%",
                        id="booking-types",
                    ),
                ),
                section(
                    T["booking.choose_staff"],
                    rx.radio_cards.root(
                        anyone_card(),
                        rx.foreach(BookState.staff, staff_card),
                        value=BookState.staff_id,
                        on_value_change=BookState.choose_staff,
                        columns=rx.breakpoints(initial="1", sm="2", md="3"),
                        width="100%",
                        id="booking-staff",
                    ),
                ),
                section(
                    T["booking.choose_time"],
                    rx.cond(
                        BookState.loading,
                        rx.spinner(),
                        slot_picker(BookState, BookState.zone, BookState.store_zone),
                    ),
                    waitlist_offer(),
                ),
                booking_form(),
                spacing="4",
                width="100%",
                max_width="860px",
                margin_x="auto",
            ),
        ),
        on_switch=BookState.reload,
    )


# The pages a booking's links open -------------------------------------------------------------


def detail_row(label: Any, value: Any, row_id: str) -> rx.Component:
    return rx.data_list.item(
        rx.data_list.label(label),
        rx.data_list.value(value, id=row_id),
    )


def booking_details() -> rx.Component:
    b = BOOKING
    return rx.data_list.root(
        detail_row(T["booking.what"], b["type"], "detail-type"),
        detail_row(T["booking.when"], b["when"], "detail-when"),
        rx.cond(
            b["store_when"] != "",
            detail_row(T["booking.store_time"], b["store_when"], "detail-store-when"),
        ),
        rx.cond(
            b["staff"] != "",
            detail_row(T["booking.with"], b["staff"], "detail-staff"),
        ),
        detail_row(T["booking.where"], b["store"], "detail-store"),
        orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
        width="100%",
    )


def booking_shell(title_key: str, on_switch: Any, *children: rx.Component) -> rx.Component:
    """A card with the booking, or the translated reason the link does not work."""
    return page(
        rx.card(
            rx.vstack(
                rx.heading(T[title_key], size="6"),
                rx.cond(
                    has_key(BOOKING, "id"),
                    rx.vstack(
                        notice(ManageState.done_key, "green"),
                        rx.cond(
                            BOOKING["status"] == "cancelled",
                            rx.badge(T["booking.status_cancelled"], color_scheme="red", size="2"),
                        ),
                        booking_details(),
                        *children,
                        notice(ManageState.error_key),
                        spacing="4",
                        width="100%",
                    ),
                    rx.cond(
                        ManageState.error_key != "",
                        rx.vstack(
                            notice(ManageState.error_key),
                            rx.text(T["booking.contact_store"], color_scheme="gray"),
                            width="100%",
                        ),
                        rx.spinner(),
                    ),
                ),
                spacing="4",
                width="100%",
            ),
            max_width="720px",
            margin_x="auto",
        ),
        on_switch=on_switch,
    )


def is_active() -> Any:
    return BOOKING["status"] == "confirmed"


def changeable_or_why_not(controls: rx.Component) -> rx.Component:
    """Inside the store's minimum notice: the reason and whom to ask instead of the controls."""
    return rx.cond(
        BOOKING["late"] != "",
        rx.callout(T["booking.too_late_to_change"], color_scheme="amber", id="too-late"),
        controls,
    )


def manage_links() -> rx.Component:
    b = BOOKING
    return rx.hstack(
        rx.link(T["booking.reschedule"], href=b["reschedule_url"], id="link-reschedule"),
        rx.link(T["booking.cancel"], href=b["cancel_url"], id="link-cancel"),
        spacing="5",
    )


def join_link() -> rx.Component:
    url = BOOKING["join_url"]
    return rx.vstack(
        rx.text(T["booking.join_link"], weight="medium"),
        rx.link(url, href=url, id="join-link", word_break="break-all"),
        spacing="1",
        width="100%",
    )


def confirmed_page() -> rx.Component:
    return booking_shell(
        "booking.confirmed_title",
        ManageState.load_manage,
        rx.cond(
            is_active(),
            rx.vstack(
                rx.callout(
                    T["booking.mail_sent"] + SEP + BOOKING["email"],
                    icon="mail",
                    color_scheme="green",
                    id="booking-confirmed",
                ),
                join_link(),
                manage_links(),
                spacing="4",
                width="100%",
            ),
        ),
    )


def join_page() -> rx.Component:
    return booking_shell(
        "booking.join_title",
        ManageState.load_join,
        rx.cond(
            is_active(),
            rx.cond(
                BOOKING["due"] != "",
                rx.button(
                    T["booking.join_now"],
                    on_click=ManageState.join_call,
                    size="3",
                    color_scheme="grass",
                    id="join-call",
                ),
                rx.callout(T["booking.join_later"], icon="video", id="join-note"),
            ),
        ),
    )


def reschedule_page() -> rx.Component:
    return booking_shell(
        "booking.reschedule_title",
        ManageState.load_reschedule,
        rx.cond(
            is_active(),
            changeable_or_why_not(
                rx.vstack(
                    rx.heading(T["booking.choose_new_time"], size="4", as_="h2"),
                    slot_picker(
                        ManageState,
                        BOOKING["zone"],
                        BOOKING["store_zone"],
                    ),
                    next_slots(ManageState),
                    rx.button(
                        T["booking.move"],
                        on_click=ManageState.move,
                        disabled=ManageState.start == "",
                        size="3",
                        id="booking-move",
                    ),
                    spacing="3",
                    width="100%",
                ),
            ),
        ),
    )


def cancel_page() -> rx.Component:
    return booking_shell(
        "booking.cancel_title",
        ManageState.load_manage,
        rx.cond(
            is_active(),
            changeable_or_why_not(
                rx.vstack(
                    rx.text(T["booking.cancel_question"]),
                    rx.button(
                        T["booking.cancel_confirm"],
                        on_click=ManageState.cancel,
                        color_scheme="red",
                        size="3",
                        id="booking-cancel",
                    ),
                    spacing="3",
                ),
            ),
            rx.link(
                T["booking.book_again"],
                href="/book/" + BOOKING["store_slug"],
                id="book-again",
            ),
        ),
    )


ROUTE = routes.BOOK
CONFIRMED_ROUTE = routes.BOOKING_CONFIRMED
JOIN_ROUTE = routes.BOOKING_JOIN
RESCHEDULE_ROUTE = routes.BOOKING_RESCHEDULE
CANCEL_ROUTE = routes.BOOKING_CANCEL
