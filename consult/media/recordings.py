"""Recordings in the database: asking, consent, states, who may see which, the timeline,
signed media links, retention and deletion. Plain functions that take a `Session`.

The media side (muxing the call's packets) is `consult.media.recorder`; `consult.media.desk`
joins the two in the process that holds the calls. No Reflex here.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from consult.calls.events import record_event
from consult.models import (
    ChatMessage,
    Consultation,
    ConsultationEvent,
    Order,
    Recording,
    RecordingConsent,
    RecordingDeletion,
    StoreRecording,
)
from showroom.db import utcnow
from showroom.i18n import t
from showroom.models import StaffMember, Store

ACTIVE = ("awaiting_consent", "recording")
PLAYABLE = ("complete", "interrupted", "failed")
ROLES = ("customer", "staff")
MEDIA_URL_TTL_S = 15 * 60
MAX_PURPOSE = 1000
MAX_REASON = 300


class RecordingError(Exception):
    """A refused recording action; `key` is the message shown (showroom.i18n)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Viewer:
    """Who looks at recordings: a logged-in member of staff or supervisor."""

    staff_id: int
    store_id: int
    role: str

    @property
    def supervisor(self) -> bool:
        return self.role == "supervisor"


# --------------------------------------------------------------------------------------------
# The store's rules and the notice


def policy(session: Session, store_id: int) -> StoreRecording:
    """The store's recording rules (defaults, unsaved, if it never set any)."""
    rules = session.get(StoreRecording, store_id)
    if rules is None:
        rules = StoreRecording(
            store_id=store_id,
            purpose_en="",
            purpose_ja="",
            retention_days=90,
            auto_start=False,
            staff_see_own=True,
            staff_may_download=False,
            notice_version=1,
        )
    return rules


def save_policy(
    session: Session,
    store_id: int,
    *,
    purpose_en: str,
    purpose_ja: str,
    retention_days: int,
    auto_start: bool,
    staff_see_own: bool,
    staff_may_download: bool,
) -> StoreRecording:
    """Save the rules; the notice's version goes up when what customers are told changes."""
    purpose_en, purpose_ja = purpose_en.strip(), purpose_ja.strip()
    if len(purpose_en) > MAX_PURPOSE or len(purpose_ja) > MAX_PURPOSE:
        raise RecordingError("recording.purpose_too_long")
    if not 1 <= retention_days <= 3650:
        raise RecordingError("recording.retention_invalid")
    rules = session.get(StoreRecording, store_id)
    if rules is None:
        rules = policy(session, store_id)
        session.add(rules)
    elif (rules.purpose_en, rules.purpose_ja, rules.retention_days) != (
        purpose_en,
        purpose_ja,
        retention_days,
    ):
        rules.notice_version += 1
    rules.purpose_en, rules.purpose_ja, rules.retention_days = (
        purpose_en,
        purpose_ja,
        retention_days,
    )
    rules.auto_start, rules.staff_see_own = auto_start, staff_see_own
    rules.staff_may_download = staff_may_download
    session.flush()
    return rules


def notice(session: Session, consultation_id: int, lang: str) -> dict[str, Any]:
    """What the customer is told before recording: who records, why, for how long."""
    consultation = _call(session, consultation_id)
    store = session.get(Store, consultation.store_id)
    staff = session.get(StaffMember, consultation.staff_id) if consultation.staff_id else None
    rules = policy(session, consultation.store_id)
    store_name = (store.name_ja if lang == "ja" else store.name_en) if store else ""
    purpose = (rules.purpose_ja if lang == "ja" else rules.purpose_en) or t(
        lang, "recording.default_purpose"
    )
    who = f"{store_name} ({staff.display_name})" if staff else store_name
    days = str(rules.retention_days)
    text = "\n".join(
        (
            t(lang, "recording.notice_who").replace("{who}", who),
            t(lang, "recording.notice_why").replace("{purpose}", purpose),
            t(lang, "recording.notice_keep").replace("{days}", days),
        )
    )
    return {
        "who": who,
        "purpose": purpose,
        "days": days,
        "version": rules.notice_version,
        "text": text,
        "language": lang,
    }


# --------------------------------------------------------------------------------------------
# One call's recordings


def _call(session: Session, consultation_id: int) -> Consultation:
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise LookupError(f"consultation {consultation_id}")
    return consultation


def _staff_call(session: Session, consultation_id: int, staff_id: int) -> Consultation:
    """The call, if this member of staff is the one in it now and it has not ended."""
    consultation = _call(session, consultation_id)
    if consultation.staff_id != staff_id:
        raise PermissionError("auth.forbidden")
    if consultation.status != "active":
        raise RecordingError("recording.call_not_live")
    return consultation


def current(session: Session, consultation_id: int) -> Recording | None:
    """The call's recording that is being asked for or running, if any."""
    return session.scalar(
        select(Recording)
        .where(Recording.consultation_id == consultation_id, Recording.status.in_(ACTIVE))
        .order_by(Recording.id.desc())
        .limit(1)
    )


def auto_ask(session: Session, consultation_id: int, store_id: int) -> bool:
    """Whether opening the call should ask the customer at once: the store records every
    call, nothing is asked or running, and the customer has not already said no in this call."""
    if not policy(session, store_id).auto_start or current(session, consultation_id):
        return False
    declined = session.scalar(
        select(Recording.id)
        .where(Recording.consultation_id == consultation_id, Recording.status == "declined")
        .limit(1)
    )
    return declined is None


def request(session: Session, consultation_id: int, staff_id: int) -> Recording:
    """Staff ask to record: the customer is asked first; nothing is written before a yes."""
    consultation = _staff_call(session, consultation_id, staff_id)
    if current(session, consultation_id) is not None:
        raise RecordingError("recording.already")
    now = utcnow()
    recording = Recording(
        consultation_id=consultation_id,
        path="",
        status="awaiting_consent",
        started_by_staff_id=staff_id,
        requested_at=now,
        started_at=now,
        tracks={},
        audio_only=consultation.audio_only,
        legal_hold=False,
        error="",
    )
    session.add(recording)
    session.flush()
    recording.path = f"{consultation.store_id}/{consultation_id}/r{recording.id}"
    session.flush()
    return recording


def answer(
    session: Session,
    consultation_id: int,
    recording_id: int,
    *,
    accepted: bool,
    lang: str,
) -> tuple[Recording, RecordingConsent]:
    """The customer's answer to the notice of this call's recording `recording_id`."""
    recording = session.get(Recording, recording_id)
    if recording is None or recording.consultation_id != consultation_id:
        raise RecordingError("recording.not_this_call")
    if recording.status not in ACTIVE:
        raise RecordingError("recording.no_longer_asked")
    shown = notice(session, consultation_id, lang)
    consent = RecordingConsent(
        consultation_id=consultation_id,
        recording_id=recording.id,
        role="customer",
        accepted=accepted,
        notice_version=shown["version"],
        language=lang,
        notice_text=shown["text"],
        decided_at=utcnow(),
    )
    session.add(consent)
    if not accepted and recording.status == "awaiting_consent":
        recording.status, recording.ended_at = "declined", utcnow()
        record_event(session, consultation_id, "recording_declined", role="customer")
    session.flush()
    return recording, consent


def started(session: Session, recording: Recording) -> None:
    recording.status, recording.started_at = "recording", utcnow()
    record_event(session, recording.consultation_id, "recording_started", role="staff")
    session.flush()


def stop_request(session: Session, consultation_id: int, staff_id: int | None) -> Recording:
    """Staff stop (or the customer withdrew): the running recording, to be finalised."""
    if staff_id is not None:
        consultation = _call(session, consultation_id)
        if consultation.staff_id != staff_id:
            raise PermissionError("auth.forbidden")
    recording = current(session, consultation_id)
    if recording is None:
        raise RecordingError("recording.not_started")
    if recording.status == "awaiting_consent":
        recording.status, recording.ended_at = "declined", utcnow()
        session.flush()
        return recording
    recording.status, recording.ended_at = "finalising", utcnow()
    session.flush()
    return recording


def finished(
    session: Session,
    recording_id: int,
    tracks: dict[str, dict[str, Any]],
    *,
    status: str = "complete",
    error: str = "",
) -> Recording:
    """Store what the finalised files hold; `status` "complete", "failed" or "interrupted"."""
    recording = session.get(Recording, recording_id)
    if recording is None:
        raise LookupError(f"recording {recording_id}")
    recording.tracks = tracks
    recording.status = status
    recording.error = error[:500]
    recording.ended_at = recording.ended_at or utcnow()
    ends = [
        float(info.get("offset_s") or 0) + float(info.get("duration_s") or 0)
        for info in tracks.values()
    ]
    recording.duration_s = round(max(ends), 3) if ends else 0.0
    recording.size_bytes = sum(int(info.get("size_bytes") or 0) for info in tracks.values())
    event = "recording_failed" if status == "failed" else "recording_stopped"
    record_event(session, recording.consultation_id, event, role="staff")
    session.flush()
    return recording


def unfinished(session: Session) -> list[Recording]:
    """Recordings that were running (or being finalised) when the process stopped."""
    return list(
        session.scalars(select(Recording).where(Recording.status.in_(("recording", "finalising"))))
    )


def abandon_requests(session: Session) -> int:
    """Requests nobody answered before the process stopped: they lapse (nothing was written)."""
    lapsed = list(session.scalars(select(Recording).where(Recording.status == "awaiting_consent")))
    for recording in lapsed:
        recording.status, recording.ended_at = "declined", utcnow()
    session.flush()
    return len(lapsed)


# --------------------------------------------------------------------------------------------
# Who may see what


def _visible(viewer: Viewer, rules_see_own: dict[int, bool]) -> Any:
    condition = Consultation.store_id == viewer.store_id
    if viewer.supervisor:
        return condition
    if not rules_see_own.get(viewer.store_id, True):
        return Consultation.id == -1
    return and_(condition, _staff_of_call(viewer.staff_id))


def _staff_of_call(staff_id: int) -> Any:
    """Calls this member of staff took part in: theirs now, or handed over by or to them."""
    took_part = exists().where(
        ConsultationEvent.consultation_id == Consultation.id,
        ConsultationEvent.staff_id == staff_id,
    )
    return or_(Consultation.staff_id == staff_id, took_part)


def may_view(session: Session, viewer: Viewer, recording: Recording) -> bool:
    consultation = session.get(Consultation, recording.consultation_id)
    if consultation is None or consultation.store_id != viewer.store_id:
        return False
    if viewer.supervisor:
        return True
    if not policy(session, viewer.store_id).staff_see_own:
        return False
    if consultation.staff_id == viewer.staff_id or recording.started_by_staff_id == viewer.staff_id:
        return True
    return (
        session.scalar(
            select(ConsultationEvent.id)
            .where(
                ConsultationEvent.consultation_id == consultation.id,
                ConsultationEvent.staff_id == viewer.staff_id,
            )
            .limit(1)
        )
        is not None
    )


def may_download(session: Session, viewer: Viewer) -> bool:
    return viewer.supervisor or policy(session, viewer.store_id).staff_may_download


def viewable(session: Session, viewer: Viewer, recording_id: int) -> Recording:
    """The recording, if this viewer may see it; LookupError otherwise (no hint it exists)."""
    recording = session.get(Recording, recording_id)
    if recording is None or not may_view(session, viewer, recording):
        raise LookupError(f"recording {recording_id}")
    return recording


@dataclass(frozen=True)
class LibraryFilter:
    since: date | None = None
    until: date | None = None
    staff_id: int | None = None
    outcome: str = ""  # "", an outcome, or "none"
    order: str = ""  # "", "with", "without"


def library(
    session: Session, viewer: Viewer, filters: LibraryFilter, lang: str
) -> list[dict[str, Any]]:
    """The viewer's recordings, newest first, as rows for the library."""
    see_own = {viewer.store_id: policy(session, viewer.store_id).staff_see_own}
    query = (
        select(Recording, Consultation)
        .join(Consultation, Consultation.id == Recording.consultation_id)
        .where(_visible(viewer, see_own), Recording.status.in_((*PLAYABLE, "deleted")))
        .order_by(Recording.started_at.desc(), Recording.id.desc())
        .limit(500)
    )
    if filters.since is not None:
        query = query.where(Recording.started_at >= _day_start(filters.since))
    if filters.until is not None:
        query = query.where(Recording.started_at < _day_start(filters.until + timedelta(days=1)))
    if filters.staff_id is not None:
        query = query.where(Consultation.staff_id == filters.staff_id)
    if filters.outcome == "none":
        query = query.where(Consultation.outcome.is_(None))
    elif filters.outcome:
        query = query.where(Consultation.outcome == filters.outcome)
    with_order = exists().where(Order.consultation_id == Consultation.id, Order.status == "paid")
    if filters.order == "with":
        query = query.where(with_order)
    elif filters.order == "without":
        query = query.where(~with_order)
    rows = session.execute(query).all()
    staff_names = _staff_names(session, {c.staff_id for _, c in rows if c.staff_id})
    consents = _consents(session, [r.id for r, _ in rows])
    paid = _paid_calls(session, [c.id for _, c in rows])
    return [row_dict(r, c, staff_names, consents.get(r.id), c.id in paid, lang) for r, c in rows]


def _day_start(day: date) -> datetime:
    from datetime import UTC

    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _staff_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    ids = list(ids)
    if not ids:
        return {}
    return dict(
        session.execute(
            select(StaffMember.id, StaffMember.display_name).where(StaffMember.id.in_(ids))
        ).all()  # type: ignore[arg-type]
    )


def _consents(session: Session, recording_ids: list[int]) -> dict[int, RecordingConsent]:
    if not recording_ids:
        return {}
    out: dict[int, RecordingConsent] = {}
    for consent in session.scalars(
        select(RecordingConsent)
        .where(RecordingConsent.recording_id.in_(recording_ids))
        .order_by(RecordingConsent.id)
    ):
        assert consent.recording_id is not None
        out.setdefault(consent.recording_id, consent)  # the one it started on
    return out


def _paid_calls(session: Session, consultation_ids: list[int]) -> set[int]:
    if not consultation_ids:
        return set()
    return set(
        session.scalars(
            select(Order.consultation_id).where(
                Order.consultation_id.in_(consultation_ids), Order.status == "paid"
            )
        )
    )


def format_duration(seconds: float | None) -> str:
    total = round(seconds or 0)
    hours, rest = divmod(total, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def row_dict(
    recording: Recording,
    consultation: Consultation,
    staff_names: dict[int, str],
    consent: RecordingConsent | None,
    has_order: bool,
    lang: str,
) -> dict[str, Any]:
    staff = staff_names.get(consultation.staff_id or 0, "")
    customer = consultation.customer_name or t(lang, "call.customer")
    consent_text = ""
    if consent is not None:
        when = consent.decided_at.strftime("%Y-%m-%d %H:%M")
        consent_text = f"{t(lang, 'recording.consent_given')} {when} · v{consent.notice_version}"
        consent_text += f" · {consent.language}"
    return {
        "id": str(recording.id),
        "call": str(consultation.id),
        "when": recording.started_at.strftime("%Y-%m-%d %H:%M"),
        "duration": format_duration(recording.duration_s),
        "participants": f"{customer} · {staff}" if staff else customer,
        "staff": staff,
        "consent": consent_text,
        "status": recording.status,
        "interrupted": recording.status == "interrupted",
        "deleted": recording.status == "deleted",
        "legal_hold": recording.legal_hold,
        "outcome": consultation.outcome or "",
        "order": has_order,
    }


# --------------------------------------------------------------------------------------------
# The call's timeline beside the player


TIMELINE_EVENTS = (
    "joined",
    "left",
    "reconnected",
    "connection_lost",
    "transferred",
    "audio_only",
    "guide_started",
    "guide_moved",
    "guide_stopped",
    "cart_changed",
    "recording_started",
    "recording_stopped",
    "ended",
)


def timeline(session: Session, recording: Recording, lang: str) -> list[dict[str, Any]]:
    """What happened in the call while it was recorded, at seconds into the recording."""
    start = recording.started_at
    end = recording.ended_at or utcnow()
    items: list[tuple[datetime, str, dict[str, Any]]] = []
    for message in session.scalars(
        select(ChatMessage)
        .where(ChatMessage.consultation_id == recording.consultation_id)
        .where(ChatMessage.created_at >= start, ChatMessage.created_at <= end)
        .order_by(ChatMessage.id)
    ):
        kind = {"product": "card", "payment": "payment"}.get(message.kind, "chat")
        who = _sender(message.sender, lang)
        text = message.body if kind == "chat" else f"{t(lang, f'timeline.{kind}')}: {message.body}"
        items.append(
            (message.created_at, f"m{message.id}", {"kind": kind, "who": who, "text": text})
        )
    for event in session.scalars(
        select(ConsultationEvent)
        .where(ConsultationEvent.consultation_id == recording.consultation_id)
        .where(ConsultationEvent.created_at >= start, ConsultationEvent.created_at <= end)
        .order_by(ConsultationEvent.id)
    ):
        if event.kind not in TIMELINE_EVENTS:
            continue
        who = _sender(event.role or "", lang) if event.role else ""
        text = t(lang, f"timeline.{event.kind}")
        if detail := str((event.detail or {}).get("text", "")):
            text = f"{text}: {detail}"  # the scene moved to, the cart line as it is now
        kind = "cart" if event.kind == "cart_changed" else "event"
        items.append((event.created_at, f"e{event.id}", {"kind": kind, "who": who, "text": text}))
    items += _order_items(session, recording, start, end, lang)
    items.sort(key=lambda item: (item[0], item[1]))
    return [
        {
            "key": key,
            "at": round(max(0.0, (when - start).total_seconds()), 2),
            "clock": format_duration((when - start).total_seconds()),
            **entry,
        }
        for when, key, entry in items
    ]


def _order_items(
    session: Session, recording: Recording, start: datetime, end: datetime, lang: str
) -> list[tuple[datetime, str, dict[str, Any]]]:
    out: list[tuple[datetime, str, dict[str, Any]]] = []
    for order in session.scalars(
        select(Order).where(Order.consultation_id == recording.consultation_id)
    ):
        paid_at = getattr(order, "paid_at", None)
        if paid_at is not None and start <= paid_at <= end:
            text = f"{t(lang, 'timeline.paid')} #{order.id}"
            out.append((paid_at, f"o{order.id}", {"kind": "paid", "who": "", "text": text}))
    return out


def _sender(sender: str, lang: str) -> str:
    return {
        "customer": t(lang, "call.customer"),
        "staff": t(lang, "call.staff"),
    }.get(sender, "")


# --------------------------------------------------------------------------------------------
# Media files and signed links


_ROLE_RE = re.compile(r"^(customer|staff)$")


def media_path(recordings_dir: Path, recording: Recording, role: str) -> Path | None:
    """The finalised file of `role`, if it exists and lies inside the recordings directory."""
    if not _ROLE_RE.match(role) or role not in recording.tracks or recording.status == "deleted":
        return None
    info = recording.tracks[role]
    name = str(info.get("file", ""))
    root = recordings_dir.resolve()
    path = (root / recording.path).parent / name
    try:
        path.resolve().relative_to(root)
    except ValueError:
        return None
    return path if path.is_file() else None


def _media_mac(
    key: str, recording_id: int, role: str, staff_id: int, expires: int, use: str
) -> str:
    message = f"recording:{recording_id}:{role}:{staff_id}:{expires}:{use}"
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()[:32]


def sign_media(
    key: str,
    recording_id: int,
    role: str,
    staff_id: int,
    *,
    download: bool = False,
    now: float | None = None,
    ttl_s: int = MEDIA_URL_TTL_S,
) -> str:
    """The media URL for one viewer, valid for at most 15 minutes."""
    expires = int((now if now is not None else time.time()) + min(ttl_s, MEDIA_URL_TTL_S))
    use = "download" if download else "inline"
    mac = _media_mac(key, recording_id, role, staff_id, expires, use)
    return f"/api/recordings/{recording_id}/{role}.webm?exp={expires}&use={use}&sig={mac}"


def check_media_signature(
    key: str,
    recording_id: int,
    role: str,
    staff_id: int,
    *,
    expires: str,
    use: str,
    signature: str,
    now: float | None = None,
) -> bool:
    if not expires.isdigit() or use not in ("inline", "download"):
        return False
    if int(expires) < (now if now is not None else time.time()):
        return False
    if int(expires) > (now if now is not None else time.time()) + MEDIA_URL_TTL_S + 5:
        return False
    mac = _media_mac(key, recording_id, role, staff_id, int(expires), use)
    return hmac.compare_digest(mac, signature)


# --------------------------------------------------------------------------------------------
# Holding and deleting


def set_legal_hold(session: Session, viewer: Viewer, recording_id: int, hold: bool) -> Recording:
    if not viewer.supervisor:
        raise PermissionError("auth.forbidden")
    recording = viewable(session, viewer, recording_id)
    recording.legal_hold = hold
    session.flush()
    return recording


def delete_media(
    session: Session,
    recordings_dir: Path,
    recording: Recording,
    *,
    staff_id: int | None,
    reason: str,
) -> RecordingDeletion:
    """Remove the recording's files now and log who, when, which and why."""
    reason = reason.strip()
    if not reason:
        raise RecordingError("recording.reason_required")
    if len(reason) > MAX_REASON:
        raise RecordingError("recording.reason_too_long")
    if recording.legal_hold:
        raise RecordingError("recording.on_hold")
    if recording.status in ACTIVE or recording.status == "finalising":
        raise RecordingError("recording.still_running")
    if recording.status == "deleted":
        raise RecordingError("recording.already_deleted")
    consultation = _call(session, recording.consultation_id)
    for role in list(recording.tracks):
        path = media_path(recordings_dir, recording, role)
        if path is not None:
            path.unlink(missing_ok=True)
    recording.status, recording.deleted_at = "deleted", utcnow()
    entry = RecordingDeletion(
        recording_id=recording.id,
        consultation_id=recording.consultation_id,
        store_id=consultation.store_id,
        staff_id=staff_id,
        reason=reason,
        deleted_at=utcnow(),
    )
    session.add(entry)
    session.flush()
    return entry


def delete_now(
    session: Session, recordings_dir: Path, viewer: Viewer, recording_id: int, reason: str
) -> RecordingDeletion:
    """A supervisor deletes one recording at once (e.g. the customer asked)."""
    if not viewer.supervisor:
        raise PermissionError("auth.forbidden")
    recording = viewable(session, viewer, recording_id)
    return delete_media(session, recordings_dir, recording, staff_id=viewer.staff_id, reason=reason)


def apply_retention(session: Session, recordings_dir: Path, now: datetime | None = None) -> int:
    """Delete every recording older than its store's retention (not those on legal hold)."""
    now = now or utcnow()
    done = 0
    rows = session.execute(
        select(Recording, Consultation.store_id)
        .join(Consultation, Consultation.id == Recording.consultation_id)
        .where(Recording.status.in_(PLAYABLE), Recording.legal_hold.is_(False))
    ).all()
    days: dict[int, int] = {}
    for recording, store_id in rows:
        if store_id not in days:
            days[store_id] = policy(session, store_id).retention_days
        if recording.started_at + timedelta(days=days[store_id]) <= now:
            delete_media(
                session,
                recordings_dir,
                recording,
                staff_id=None,
                reason=f"retention: {days[store_id]} days",
            )
            done += 1
    return done


def deletions(session: Session, store_id: int, limit: int = 50) -> list[dict[str, str]]:
    rows = session.scalars(
        select(RecordingDeletion)
        .where(RecordingDeletion.store_id == store_id)
        .order_by(RecordingDeletion.id.desc())
        .limit(limit)
    )
    entries = list(rows)
    names = _staff_names(session, {d.staff_id for d in entries if d.staff_id})
    return [
        {
            "recording": str(d.recording_id),
            "call": str(d.consultation_id),
            "when": d.deleted_at.strftime("%Y-%m-%d %H:%M"),
            "who": names.get(d.staff_id or 0, ""),
            "reason": d.reason,
        }
        for d in entries
    ]
