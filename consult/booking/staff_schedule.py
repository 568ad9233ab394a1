"""What a member of staff sees of their bookings: when (store time), who, why, and the answers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.booking.bookings import staff_bookings
from consult.models import Booking, ConsultationType, Question
from showroom.db import utcnow
from showroom.i18n import MESSAGES, t
from showroom.models import Product, Scene, Store
from showroom.tours.scenes import localised

DAYS_AHEAD = 14


def _answer_text(value: object, lang: str) -> str:
    """Choice and yes/no answers are stored as values; show them translated where we can."""
    if isinstance(value, bool):
        value = "yes" if value else "no"
    key = f"answer.{value}"
    return t(lang, key) if key in MESSAGES else str(value)


def question_lead(question: str, lang: str) -> str:
    """What goes before an answer: "Size: 18", but "Do you have a plan? Yes" (no "?:")."""
    question = question.strip()
    if question.endswith("？"):
        return question
    if question.endswith("?"):
        return question + " "
    return question + ("：" if lang == "ja" else ": ")


def answers_shown(session: Session, booking: Booking, lang: str) -> list[dict[str, str]]:
    """The booking's answers in question order: {"question", "lead", "answer"}."""
    shown = []
    for question_id, value in (booking.answers or {}).items():
        question = session.get(Question, int(question_id))
        if question is not None:
            label = localised(question, "label", lang)
            row = {
                "question": label,
                "lead": question_lead(label, lang),
                "answer": _answer_text(value, lang),
            }
            shown.append((question.position, question.id, row))
    return [row for _, _, row in sorted(shown, key=lambda s: (s[0], s[1]))]


def _tour_scene(session: Session, booking: Booking, lang: str) -> str:
    """The tour scene the customer asked from, by name ('' if they did not come from the tour)."""
    slug = (booking.tour_view or {}).get("scene")
    scene = session.scalar(
        select(Scene).where(Scene.store_id == booking.store_id, Scene.slug == slug)
    ) if isinstance(slug, str) else None  # fmt: skip
    return localised(scene, "name", lang) if scene else ""


def upcoming(
    session: Session, staff_id: int, store_id: int, lang: str, *, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Today's and the next two weeks' bookings, earliest first, ready to show."""
    now = now or utcnow()
    store = session.get(Store, store_id)
    zone = ZoneInfo(store.timezone if store else "UTC")
    start = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = []
    for booking in staff_bookings(session, staff_id, start, now + timedelta(days=DAYS_AHEAD)):
        kind = session.get(ConsultationType, booking.consultation_type_id)
        product = session.get(Product, booking.product_id) if booking.product_id else None
        local = booking.starts_at.astimezone(zone)
        rows.append(
            {
                "id": booking.id,
                "when": f"{local:%Y-%m-%d %H:%M}",
                "kind": localised(kind, "name", lang) if kind else "",
                "customer": booking.customer_name,
                "email": booking.customer_email,
                "status": booking.status,
                "product": localised(product, "name", lang) if product else "",
                "answers": answers_shown(session, booking, lang),
                "from_tour": _tour_scene(session, booking, lang),
                "started": booking.starts_at <= now,
            }
        )
    return rows
