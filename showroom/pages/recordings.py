"""Recordings: the library (supervisors: the store's; staff: their own calls, if the store
allows), the player with the call's timeline, legal hold, delete now, and the store's rules."""

from __future__ import annotations

from datetime import date
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from consult.calls.wrap_up import OUTCOMES
from consult.components.recording_player import recording_player
from consult.media import recordings
from consult.media.recordings import LibraryFilter, RecordingError, Viewer
from showroom import routes
from showroom.db import session_scope
from showroom.layout import T, field_label, forbidden_or, has_items, notice, page
from showroom.models import StaffMember
from showroom.session_state import SessionState
from showroom.settings import get_settings


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


async def viewer_of(state: rx.State) -> Viewer | None:
    """Who is looking, as the recordings rules see them, checked again at each event."""
    who = (await state.get_state(SessionState)).current_staff()
    return Viewer(who.staff_id, who.store_id, who.role) if who is not None else None


class RecordingsState(rx.State):
    rows: list[dict[str, Any]] = []
    staff_options: list[dict[str, str]] = []
    since: str = ""
    until: str = ""
    staff: str = ""
    outcome: str = ""
    order: str = ""
    filter_error_key: str = ""
    supervisor: bool = False
    deletions: list[dict[str, str]] = []
    rules: dict[str, Any] = {}
    rules_error_key: str = ""
    rules_saved: bool = False

    @rx.event
    async def load(self) -> EventSpec | None:
        session_state = await self.get_state(SessionState)
        redirect = session_state.authorise("staff")
        if redirect is not None or session_state.forbidden:
            return redirect
        self.since = self.until = self.staff = self.outcome = self.order = ""
        self.rules_saved, self.rules_error_key, self.filter_error_key = False, "", ""
        await self._refresh()
        return None

    async def _refresh(self) -> None:
        viewer = await viewer_of(self)
        if viewer is None:
            self.rows = []
            return
        lang = (await self.get_state(SessionState)).lang
        self.supervisor = viewer.supervisor
        filters = LibraryFilter(
            since=_day(self.since),
            until=_day(self.until),
            staff_id=int(self.staff) if self.staff.isdigit() else None,
            outcome=self.outcome if self.outcome in (*OUTCOMES, "none") else "",
            order=self.order if self.order in ("with", "without") else "",
        )
        with session_scope() as session:
            self.rows = recordings.library(session, viewer, filters, lang)
            members = session.query(StaffMember).filter(StaffMember.store_id == viewer.store_id)
            self.staff_options = [
                {"id": str(m.id), "name": m.display_name}
                for m in members.order_by(StaffMember.display_name)
            ]
            if viewer.supervisor:
                self.deletions = recordings.deletions(session, viewer.store_id)
                rules = recordings.policy(session, viewer.store_id)
                self.rules = {
                    "purpose_en": rules.purpose_en,
                    "purpose_ja": rules.purpose_ja,
                    "retention_days": str(rules.retention_days),
                    "auto_start": rules.auto_start,
                    "staff_see_own": rules.staff_see_own,
                    "staff_may_download": rules.staff_may_download,
                }

    @rx.event
    async def apply_filter(self, form: dict[str, str]) -> None:
        self.since, self.until = form.get("since", ""), form.get("until", "")
        self.staff, self.outcome = form.get("staff", ""), form.get("outcome", "")
        self.order = form.get("order", "")
        since, until = _day(self.since), _day(self.until)
        if (self.since and since is None) or (self.until and until is None):
            self.filter_error_key = "error.generic"
            return
        self.filter_error_key = ""
        await self._refresh()

    @rx.event
    async def save_rules(self, form: dict[str, Any]) -> None:
        viewer = await viewer_of(self)
        if viewer is None or not viewer.supervisor:
            self.rules_error_key = "auth.forbidden"
            return
        days = str(form.get("retention_days", "")).strip()
        try:
            with session_scope() as session:
                recordings.save_policy(
                    session,
                    viewer.store_id,
                    purpose_en=str(form.get("purpose_en", "")),
                    purpose_ja=str(form.get("purpose_ja", "")),
                    retention_days=int(days) if days.isdigit() else 0,
                    auto_start=bool(form.get("auto_start")),
                    staff_see_own=bool(form.get("staff_see_own")),
                    staff_may_download=bool(form.get("staff_may_download")),
                )
        except RecordingError as error:
            self.rules_error_key, self.rules_saved = error.key, False
            return
        self.rules_error_key, self.rules_saved = "", True
        await self._refresh()


class RecordingPlayerState(rx.State):
    recording_id: int = 0
    error_key: str = ""
    info: dict[str, Any] = {}
    sides: list[dict[str, Any]] = []
    timeline: list[dict[str, Any]] = []
    downloads: list[dict[str, str]] = []
    action_error_key: str = ""
    supervisor: bool = False

    @rx.event
    async def load(self) -> EventSpec | None:
        session_state = await self.get_state(SessionState)
        redirect = session_state.authorise("staff")
        if redirect is not None or session_state.forbidden:
            return redirect
        raw = routes.path_params(routes.RECORDING, self.router.url.path).get("recording_id", "")
        self.action_error_key = ""
        if not raw.isdigit():
            self._refuse()
            return None
        self.recording_id = int(raw)
        await self._refresh()
        return None

    def _refuse(self) -> None:
        self.error_key, self.sides, self.timeline, self.info = "recordings.not_found", [], [], {}
        self.downloads = []

    async def _refresh(self) -> None:
        viewer = await viewer_of(self)
        if viewer is None:
            self._refuse()
            return
        lang = (await self.get_state(SessionState)).lang
        key = get_settings().secret_key
        self.supervisor = viewer.supervisor
        with session_scope() as session:
            try:
                recording = recordings.viewable(session, viewer, self.recording_id)
            except LookupError:
                self._refuse()
                return
            [row] = [
                r
                for r in recordings.library(session, viewer, LibraryFilter(), lang)
                if r["id"] == str(recording.id)
            ] or [{}]
            download = recordings.may_download(session, viewer)
            self.info = {**row, "call": str(recording.consultation_id)}
            playable = recording.status != "deleted"
            self.sides, self.downloads = [], []
            for role in recordings.ROLES:
                track = recording.tracks.get(role, {}) if playable else {}
                src = ""
                if track and recordings.media_path(get_settings().recordings_dir, recording, role):
                    src = recordings.sign_media(key, recording.id, role, viewer.staff_id)
                    if download:
                        self.downloads.append(
                            {
                                "role": role,
                                "href": recordings.sign_media(
                                    key, recording.id, role, viewer.staff_id, download=True
                                ),
                            }
                        )
                self.sides.append(
                    {
                        "role": role,
                        "src": src,
                        "offset": float(str(track.get("offset_s") or 0.0)),
                    }
                )
            self.timeline = recordings.timeline(session, recording, lang)
        self.error_key = ""

    @rx.event
    async def toggle_hold(self) -> None:
        viewer = await viewer_of(self)
        if viewer is None:
            return
        try:
            with session_scope() as session:
                recording = recordings.viewable(session, viewer, self.recording_id)
                recordings.set_legal_hold(session, viewer, recording.id, not recording.legal_hold)
        except (PermissionError, LookupError):
            self.action_error_key = "auth.forbidden"
            return
        self.action_error_key = ""
        await self._refresh()

    @rx.event
    async def delete_now(self, form: dict[str, str]) -> None:
        viewer = await viewer_of(self)
        if viewer is None:
            return
        try:
            with session_scope() as session:
                recordings.delete_now(
                    session,
                    get_settings().recordings_dir,
                    viewer,
                    self.recording_id,
                    form.get("reason", ""),
                )
        except RecordingError as error:
            self.action_error_key = error.key
            return
        except (PermissionError, LookupError):
            self.action_error_key = "auth.forbidden"
            return
        self.action_error_key = ""
        await self._refresh()


# --------------------------------------------------------------------------------------------
# The library


def status_badges(row: Any) -> rx.Component:
    return rx.hstack(
        rx.cond(
            row["interrupted"].to(bool),
            rx.badge(T["recordings.interrupted"], color_scheme="amber", class_name="interrupted"),
        ),
        rx.cond(
            row["status"].to(str) == "failed",
            rx.badge(T["recordings.failed"], color_scheme="red"),
        ),
        rx.cond(row["deleted"].to(bool), rx.badge(T["recordings.deleted"], color_scheme="gray")),
        rx.cond(row["legal_hold"].to(bool), rx.badge(T["recordings.hold"], color_scheme="violet")),
        spacing="1",
        wrap="wrap",
    )


def library_row(row: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["when"].to(str), white_space="nowrap"),
        rx.table.cell(row["duration"].to(str), class_name="recording-duration"),
        rx.table.cell(row["participants"].to(str)),
        rx.table.cell(rx.text(row["consent"].to(str), size="1")),
        rx.table.cell(status_badges(row)),
        rx.table.cell(
            rx.link(
                T["recordings.play"],
                href="/recordings/" + row["id"].to(str),
                class_name="recording-play",
            )
        ),
        custom_attrs={"data-recording": row["id"].to(str)},
    )


def filter_select(label_key: str, name: str, *options: rx.Component) -> rx.Component:
    """One of the library's filters: a small label over a native select."""
    return rx.vstack(
        rx.text(T[label_key], size="1"),
        rx.el.select(*options, name=name, id=f"filter-{name}", aria_label=T[label_key]),
        spacing="1",
    )


def filters() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.vstack(
                rx.text(T["recordings.from"], size="1"),
                rx.input(
                    type="date", name="since", id="filter-since", aria_label=T["recordings.from"]
                ),
                spacing="1",
            ),
            rx.vstack(
                rx.text(T["recordings.until"], size="1"),
                rx.input(
                    type="date", name="until", id="filter-until", aria_label=T["recordings.until"]
                ),
                spacing="1",
            ),
            filter_select(
                "recordings.staff",
                "staff",
                rx.el.option(T["recordings.anyone"], value=""),
                rx.foreach(
                    RecordingsState.staff_options, lambda m: rx.el.option(m["name"], value=m["id"])
                ),
            ),
            filter_select(
                "recordings.outcome",
                "outcome",
                rx.el.option(T["recordings.any_outcome"], value=""),
                *[rx.el.option(T[f"outcome.{o}"], value=o) for o in OUTCOMES],
                rx.el.option(T["recordings.no_outcome"], value="none"),
            ),
            filter_select(
                "recordings.order",
                "order",
                rx.el.option(T["recordings.any_order"], value=""),
                rx.el.option(T["recordings.with_order"], value="with"),
                rx.el.option(T["recordings.without_order"], value="without"),
            ),
            rx.button(T["recordings.filter"], type="submit", id="filter-apply"),
            spacing="3",
            align="end",
            wrap="wrap",
        ),
        on_submit=RecordingsState.apply_filter,
        width="100%",
    )


def purpose_field(rules: Any, lang: str) -> tuple[rx.Component, rx.Component]:
    """The store's stated purpose of recording in one language: its label and its box."""
    return (
        field_label(T[f"recordings.purpose_{lang}"], f"rules-purpose-{lang}", size="2"),
        rx.text_area(
            name=f"purpose_{lang}",
            default_value=rules[f"purpose_{lang}"].to(str),
            id=f"rules-purpose-{lang}",
            width="100%",
            max_length=1000,
        ),
    )


def rules_form() -> rx.Component:
    rules = RecordingsState.rules
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(T["recordings.settings"], size="4"),
                *purpose_field(rules, "en"),
                *purpose_field(rules, "ja"),
                rx.hstack(
                    field_label(T["recordings.retention_days"], "rules-retention", size="2"),
                    rx.input(
                        name="retention_days",
                        type="number",
                        min=1,
                        max=3650,
                        default_value=rules["retention_days"].to(str),
                        id="rules-retention",
                        width="8em",
                    ),
                    align="center",
                ),
                rx.checkbox(
                    T["recordings.auto_start"],
                    name="auto_start",
                    default_checked=rules["auto_start"].to(bool),
                    id="rules-auto-start",
                ),
                rx.checkbox(
                    T["recordings.staff_see_own"],
                    name="staff_see_own",
                    default_checked=rules["staff_see_own"].to(bool),
                    id="rules-see-own",
                ),
                rx.checkbox(
                    T["recordings.staff_may_download"],
                    name="staff_may_download",
                    default_checked=rules["staff_may_download"].to(bool),
                    id="rules-download",
                ),
                rx.hstack(
                    rx.button(T["recordings.save"], type="submit", id="rules-save"),
                    rx.cond(
                        RecordingsState.rules_saved,
                        rx.text(T["recordings.saved"], color_scheme="green", size="2"),
                    ),
                    align="center",
                ),
                notice(RecordingsState.rules_error_key),
                width="100%",
                spacing="2",
            ),
            on_submit=RecordingsState.save_rules,
            reset_on_submit=False,
            width="100%",
        ),
        width="100%",
    )


def deletion_row(entry: Any) -> rx.Component:
    return rx.text(
        entry["when"].to(str), " · #", entry["recording"].to(str), " · ",
        rx.cond(entry["who"].to(str) != "", entry["who"].to(str), T["recordings.by_retention"]),
        " · ", entry["reason"].to(str), size="2",
    )  # fmt: skip


def recordings_page() -> rx.Component:
    return page(
        forbidden_or(
            rx.vstack(
                rx.heading(T["recordings.title"], size="6"),
                filters(),
                notice(RecordingsState.filter_error_key),
                rx.cond(
                    has_items(RecordingsState.rows),
                    rx.box(
                        rx.table.root(
                            rx.table.header(
                                rx.table.row(
                                    rx.table.column_header_cell(T["recordings.when"]),
                                    rx.table.column_header_cell(T["recordings.duration"]),
                                    rx.table.column_header_cell(T["recordings.participants"]),
                                    rx.table.column_header_cell(T["recordings.consent"]),
                                    rx.table.column_header_cell(""),
                                    rx.table.column_header_cell(""),
                                )
                            ),
                            rx.table.body(rx.foreach(RecordingsState.rows, library_row)),
                            width="100%",
                            id="recordings-table",
                        ),
                        width="100%",
                        overflow_x="auto",
                    ),
                    rx.text(T["recordings.empty"], id="recordings-empty", color_scheme="gray"),
                ),
                rx.cond(
                    RecordingsState.supervisor,
                    rx.vstack(
                        rules_form(),
                        rx.heading(T["recordings.deletion_log"], size="4"),
                        rx.vstack(
                            rx.foreach(RecordingsState.deletions, deletion_row),
                            spacing="1",
                            id="deletion-log",
                        ),
                        width="100%",
                        spacing="3",
                    ),
                ),
                width="100%",
                spacing="4",
            )
        ),
        on_switch=RecordingsState.load,
    )


# --------------------------------------------------------------------------------------------
# The player


def player_page() -> rx.Component:
    info = RecordingPlayerState.info
    return page(
        forbidden_or(
            rx.cond(
                RecordingPlayerState.error_key != "",
                rx.vstack(
                    rx.callout(
                        T[RecordingPlayerState.error_key],
                        color_scheme="red",
                        role="alert",
                        id="recording-error",
                    ),
                    rx.link(T["recordings.back"], href=routes.RECORDINGS),
                ),
                rx.vstack(
                    rx.link(T["recordings.back"], href=routes.RECORDINGS, size="2"),
                    rx.hstack(
                        rx.heading(
                            T["recordings.one"], " #", RecordingPlayerState.recording_id, size="6"
                        ),
                        status_badges(info),
                        align="center",
                        wrap="wrap",
                    ),
                    rx.text(
                        info["when"].to(str),
                        " · ",
                        info["duration"].to(str),
                        " · ",
                        info["participants"].to(str),
                        size="2",
                        color_scheme="gray",
                        id="recording-summary",
                    ),
                    rx.text(info["consent"].to(str), size="1", color_scheme="gray"),
                    rx.cond(
                        info["deleted"].to(bool),
                        rx.callout(T["recordings.deleted_note"], id="recording-deleted"),
                        recording_player(
                            sides=RecordingPlayerState.sides,
                            timeline=RecordingPlayerState.timeline,
                            texts=SessionState.t,
                            id="recording-player",
                        ),
                    ),
                    rx.hstack(
                        rx.foreach(
                            RecordingPlayerState.downloads,
                            lambda d: rx.link(
                                T["recordings.download"],
                                " (",
                                d["role"],
                                ")",
                                href=d["href"],
                                class_name="recording-download",
                                size="2",
                            ),
                        ),
                        spacing="3",
                    ),
                    rx.cond(
                        RecordingPlayerState.supervisor & ~info["deleted"].to(bool),
                        rx.card(
                            rx.vstack(
                                rx.button(
                                    rx.cond(
                                        info["legal_hold"].to(bool),
                                        T["recordings.release_hold"],
                                        T["recordings.set_hold"],
                                    ),
                                    on_click=RecordingPlayerState.toggle_hold,
                                    variant="soft",
                                    id="recording-hold",
                                ),
                                rx.form(
                                    rx.hstack(
                                        rx.input(
                                            name="reason",
                                            placeholder=T["recordings.delete_reason"],
                                            aria_label=T["recordings.delete_reason"],
                                            max_length=300,
                                            id="delete-reason",
                                            width="100%",
                                        ),
                                        rx.button(
                                            T["recordings.delete"],
                                            type="submit",
                                            color_scheme="red",
                                            variant="soft",
                                            id="recording-delete",
                                        ),
                                        width="100%",
                                    ),
                                    on_submit=RecordingPlayerState.delete_now,
                                    width="100%",
                                ),
                                width="100%",
                                spacing="2",
                            ),
                            width="100%",
                        ),
                    ),
                    notice(RecordingPlayerState.action_error_key),
                    width="100%",
                    spacing="3",
                ),
            )
        ),
        on_switch=RecordingPlayerState.load,
    )


ROUTE = routes.RECORDINGS
PLAYER_ROUTE = routes.RECORDING
