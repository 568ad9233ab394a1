"""Store admin: upload panoramas with progress, and author each scene's hotspots and views.

The page holds ids and plain data only; every change goes through `showroom.tours.authoring`
(checked, committed in one transaction, then published so that open tours reload) and
uploads through `showroom.tours.panorama.jobs` (streamed to disk up to the limit, then queued for
the worker that runs with the app).
"""

from __future__ import annotations

import asyncio
import math
from pathlib import Path
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from showroom import routes
from showroom.choices import chosen_id
from showroom.components.panorama_editor import panorama_editor
from showroom.db import session_scope
from showroom.i18n import t
from showroom.identity import StaffIdentity
from showroom.layout import T, forbidden_or, has_items, notice, page, upload_area
from showroom.models import Store
from showroom.session_state import SessionState
from showroom.tours import authoring
from showroom.tours.authoring import AuthoringError, SceneChange
from showroom.tours.panorama import jobs
from showroom.tours.panorama.tiles import PanoramaError

UPLOAD_ID = "panorama-upload"
POLL_S = 0.5  # how often the upload list is refreshed while a job is unfinished
MEDIA_URL = routes.MEDIA + "/panoramas"
ACCEPT = {"image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"]}


def _hotspot_id(marker_id: str) -> int | None:
    """Markers are named "h<hotspot id>" (see tours.scene_markers)."""
    return int(marker_id[1:]) if marker_id[:1] == "h" and marker_id[1:].isdigit() else None


def _degrees(radians: float) -> str:
    return str(round(math.degrees(radians)))


class AdminState(rx.State):
    store_id: int = 0
    store_slug: str = ""
    scenes: list[dict[str, Any]] = []
    uploads: list[dict[str, Any]] = []
    products: list[dict[str, str]] = []
    scene_name: str = ""
    uploading: bool = False
    upload_error_key: str = ""
    # The scene in the editor (0: none) and what the editor shows of it.
    scene_id: int = 0
    scene: dict[str, Any] = {}
    markers: list[dict[str, Any]] = []
    view: dict[str, float] = {}
    pending: dict[str, float] = {}
    selected_id: str = ""
    kind: str = "product"
    product_choice: str = ""
    scene_choice: str = ""
    both_ways: bool = True
    error_key: str = ""
    saved_key: str = ""
    _watching: bool = False

    # -------------------------------------------------------------------- loading

    async def _supervisor(self) -> StaffIdentity | None:
        """Who is acting, checked on every change: a supervisor of this page's store."""
        who = (await self.get_state(SessionState)).current_staff()
        if who is None or not who.may("supervisor") or who.store_id != self.store_id:
            return None
        return who

    async def _lang(self) -> str:
        return (await self.get_state(SessionState)).lang

    @rx.event
    async def load(self) -> EventSpec | list[Any] | None:
        session_state = await self.get_state(SessionState)
        redirect = session_state.authorise("supervisor")
        if redirect is not None or session_state.forbidden:
            return redirect
        who = session_state.current_staff()
        if who is None:
            return None
        self.store_id = who.store_id
        lang = session_state.lang
        with session_scope() as session:
            store = session.get(Store, who.store_id)
            self.store_slug = store.slug if store else ""
            self.scenes = authoring.store_scenes(session, who.store_id, lang)
            self.uploads = jobs.store_jobs(session, who.store_id)
            self.products = authoring.product_choices(session, lang)
            if self.scene_id:
                self._show_scene(session, self.scene_id, lang)
        return AdminState.watch_uploads

    def _show_scene(self, session: Any, scene_id: int, lang: str) -> None:
        try:
            scene = authoring.editor_scene(session, self.store_id, scene_id, lang, MEDIA_URL)
        except AuthoringError:
            self.scene_id, self.scene, self.markers = 0, {}, []
            return
        if scene_id != self.scene_id or not self.view:
            self.view = {
                "yaw": scene["initial_yaw"],
                "pitch": scene["initial_pitch"],
                "zoom": scene["initial_zoom"],
            }
        self.scene_id, self.markers = scene_id, scene.pop("markers")
        scene["view_label"] = t(lang, "admin.view_value").format(
            yaw=_degrees(scene["initial_yaw"]),
            pitch=_degrees(scene["initial_pitch"]),
            zoom=round(scene["initial_zoom"]),
        )
        scene["north_label"] = t(lang, "admin.north_value").format(yaw=_degrees(scene["north"]))
        self.scene = scene
        if self.selected_id not in {m["id"] for m in self.markers}:
            self.selected_id = ""

    async def _refresh(self, changes: list[SceneChange] | None = None) -> None:
        """Reload the lists and the open scene after a change, then tell open tours."""
        lang = await self._lang()
        with session_scope() as session:
            self.scenes = authoring.store_scenes(session, self.store_id, lang)
            if self.scene_id:
                self._show_scene(session, self.scene_id, lang)
        if changes:
            await authoring.publish(changes)

    @rx.event
    async def edit_scene(self, scene_id: int) -> None:
        self.pending, self.selected_id, self.error_key, self.saved_key = {}, "", "", ""
        self.view = {}
        with session_scope() as session:
            self._show_scene(session, int(scene_id), await self._lang())

    # -------------------------------------------------------------------- uploads

    @rx.event
    def set_scene_name(self, value: str) -> None:
        self.scene_name = value

    @rx.event
    def upload_rejected(self) -> None:
        """The browser refused a file (type or size) before sending it. Takes no arguments:
        the rejection list holds browser File objects, which are not sent to the server."""
        self.upload_error_key = "admin.file_rejected"

    @rx.event(background=True)
    async def upload_panoramas(self, chunks: rx.UploadChunkIterator) -> Any:
        """Stream each file to disk (stopping at the size limit), then queue it."""
        async with self:
            who = await self._supervisor()
            name, self.uploading, self.upload_error_key = self.scene_name.strip(), True, ""
        if who is None or not isinstance(chunks, rx.UploadChunkIterator):
            # Refused, or not an upload: sent over the socket, not through `/_upload`.
            async with self:
                self.uploading = False
                self.upload_error_key = "" if who is None else "admin.no_file"
            return None
        writers: dict[str, jobs.UploadWriter] = {}
        limit = jobs.limits().max_bytes
        try:
            async for chunk in chunks:
                writer = writers.get(chunk.filename)
                if writer is None:
                    writer = writers[chunk.filename] = jobs.UploadWriter(limit)
                writer.write(chunk.data)
        except PanoramaError as error:
            # Stop reading: the rest of an oversize upload is never stored.
            for writer in writers.values():
                writer.discard()
            async with self:
                self.uploading, self.upload_error_key = False, f"admin_job.{error.code}"
            return None
        return await self._queue(who, name, writers)

    async def _queue(
        self, who: StaffIdentity, name: str, writers: dict[str, jobs.UploadWriter]
    ) -> Any:
        if not writers:
            async with self:
                self.uploading, self.upload_error_key = False, "admin.no_file"
            return None
        try:
            with session_scope() as session:
                for filename, writer in writers.items():
                    scene_name = name if name and len(writers) == 1 else Path(filename).stem
                    jobs.enqueue(
                        session,
                        store_id=who.store_id,
                        scene_name=scene_name,
                        source_name=filename,
                        source_path=writer.finish(),
                        created_by=who.staff_id,
                    )
        except AuthoringError as error:
            for writer in writers.values():
                writer.discard()
            async with self:
                self.uploading, self.upload_error_key = False, f"admin_error.{error.code}"
            return None
        jobs.wake()
        with session_scope() as session:
            listed = jobs.store_jobs(session, who.store_id)
        async with self:
            self.uploading, self.scene_name, self.uploads = False, "", listed
        return [rx.clear_selected_files(UPLOAD_ID), AdminState.watch_uploads]

    @rx.event(background=True)
    async def watch_uploads(self) -> None:
        """Refresh the upload list while a job is unfinished; a finished one adds its scene."""
        async with self:
            if self._watching or not self.store_id:
                return
            self._watching = True
            store_id = self.store_id
        try:
            while True:
                with session_scope() as session:
                    listed = jobs.store_jobs(session, store_id)
                async with self:
                    if not self.router.url.path.startswith(routes.ADMIN):
                        return
                    finished = {u["id"] for u in listed if u["status"] == "done"} - {
                        u["id"] for u in self.uploads if u["status"] == "done"
                    }
                    self.uploads = listed
                    if finished:
                        await self._refresh()
                        if not self.scene_id:  # nothing open yet: open the new scene
                            newest = next(u for u in listed if u["id"] in finished)
                            with session_scope() as session:
                                self._show_scene(session, newest["scene_id"], await self._lang())
                if not any(u["status"] in ("queued", "running") for u in listed):
                    return
                await asyncio.sleep(POLL_S)
        finally:
            async with self:
                self._watching = False

    # -------------------------------------------------------------------- editor

    @rx.event
    def view_changed(self, view: dict[str, float]) -> None:
        try:
            self.view = {k: float(view[k]) for k in ("yaw", "pitch", "zoom")}
        except (KeyError, TypeError, ValueError):
            return

    @rx.event
    def place(self, position: dict[str, float]) -> None:
        """A click in the panorama: ask what the new hotspot shows."""
        try:
            self.pending = {"yaw": float(position["yaw"]), "pitch": float(position["pitch"])}
        except (KeyError, TypeError, ValueError):
            return
        self.selected_id, self.error_key, self.saved_key = "", "", ""

    @rx.event
    def cancel_pending(self) -> None:
        self.pending, self.error_key = {}, ""

    @rx.event
    def set_kind(self, value: str) -> None:
        self.kind = "scene" if value == "scene" else "product"

    @rx.event
    def choose_product(self, value: int | str) -> None:
        self.product_choice = self._choice(value)

    @rx.event
    def choose_scene(self, value: int | str) -> None:
        self.scene_choice = self._choice(value)

    def _choice(self, value: object) -> str:
        """The select sends an id as a number or a string: keep it as digits, or say it is wrong."""
        chosen = chosen_id(value)
        self.error_key = "" if chosen is not None else "admin_error.bad_choice"
        return str(chosen) if chosen is not None else ""

    @rx.event
    def set_both_ways(self, value: bool) -> None:
        self.both_ways = bool(value)

    async def _change(self, saved_key: str, change: Any) -> None:
        """Run one authoring change in its own transaction; show the outcome."""
        self.error_key, self.saved_key = "", ""
        if await self._supervisor() is None:
            self.error_key = "auth.forbidden"
            return
        try:
            with session_scope() as session:
                changes = change(session)
        except AuthoringError as error:
            self.error_key = f"admin_error.{error.code}"
            await self._refresh()
            return
        self.saved_key = saved_key
        await self._refresh(changes)

    @rx.event
    async def confirm_place(self) -> None:
        if not self.pending:
            return
        yaw, pitch = self.pending["yaw"], self.pending["pitch"]
        store_id, scene_id = self.store_id, self.scene_id
        if self.kind == "product":
            product = chosen_id(self.product_choice)

            def place(session: Any) -> list[SceneChange]:
                _, change = authoring.place_hotspot(
                    session, store_id, scene_id, yaw, pitch, product_id=product
                )
                return [change]

            await self._change("admin.saved_hotspot", place)
        else:
            target = chosen_id(self.scene_choice)
            both = self.both_ways

            def link(session: Any) -> list[SceneChange]:
                if target is None:
                    raise AuthoringError("choose_target", "Choose a scene.")
                _, changes = authoring.link_scenes(
                    session, store_id, scene_id, target, yaw, pitch, both_ways=both
                )
                return changes

            await self._change("admin.saved_link", link)
        if not self.error_key:
            self.pending = {}

    @rx.event
    def select(self, marker_id: str) -> None:
        self.selected_id = marker_id if marker_id != self.selected_id else ""
        self.pending, self.error_key, self.saved_key = {}, "", ""

    @rx.event
    async def move(self, moved: dict[str, Any]) -> None:
        hotspot_id = _hotspot_id(str(moved.get("id", "")))
        store_id = self.store_id
        yaw, pitch = moved.get("yaw"), moved.get("pitch")
        await self._change(
            "admin.saved_move",
            lambda s: [authoring.move_hotspot(s, store_id, hotspot_id, yaw, pitch)],
        )
        self.selected_id = str(moved.get("id", ""))

    @rx.event
    async def delete_hotspot(self, marker_id: str) -> None:
        hotspot_id, store_id = _hotspot_id(marker_id), self.store_id
        await self._change(
            "admin.saved_delete", lambda s: [authoring.delete_hotspot(s, store_id, hotspot_id)]
        )
        self.selected_id = ""

    @rx.event
    async def set_initial_view(self) -> None:
        store_id, scene_id = self.store_id, self.scene_id
        view = dict(self.view)
        await self._change(
            "admin.saved_view",
            lambda s: [
                authoring.set_initial_view(
                    s, store_id, scene_id, view.get("yaw"), view.get("pitch"), view.get("zoom")
                )
            ],
        )

    @rx.event
    async def rename(self, form: dict[str, str]) -> None:
        store_id, scene_id = self.store_id, self.scene_id
        name_en, name_ja = form.get("name_en", ""), form.get("name_ja", "")
        await self._change(
            "admin.saved_name",
            lambda s: [authoring.rename_scene(s, store_id, scene_id, name_en, name_ja)],
        )

    @rx.event
    async def set_north(self) -> None:
        store_id, scene_id, yaw = self.store_id, self.scene_id, self.view.get("yaw")
        await self._change(
            "admin.saved_north", lambda s: [authoring.set_north(s, store_id, scene_id, yaw)]
        )


# ----------------------------------------------------------------------------- view

# Handlers called with arguments in the page (mypy sees the decorated methods as not callable).
UPLOAD: Any = AdminState.upload_panoramas
UPLOAD_REJECTED: Any = AdminState.upload_rejected
EDIT_SCENE: Any = AdminState.edit_scene
SELECT: Any = AdminState.select
DELETE_HOTSPOT: Any = AdminState.delete_hotspot


def status_badge(status: Any) -> rx.Component:
    return rx.match(
        status,
        ("queued", rx.badge(T["admin_job.queued"], color_scheme="gray")),
        ("running", rx.badge(T["admin_job.running"], color_scheme="blue")),
        ("done", rx.badge(T["admin_job.done"], color_scheme="green")),
        rx.badge(T["admin_job.failed"], color_scheme="red"),
    )


def upload_row(upload: Any) -> rx.Component:
    status = upload["status"].to(str)
    return rx.box(
        rx.hstack(
            rx.text(upload["name"].to(str), weight="medium"),
            rx.text(upload["file"].to(str), color_scheme="gray", size="2"),
            rx.spacer(),
            status_badge(status),
            align="center",
            width="100%",
        ),
        rx.cond(
            (status == "queued") | (status == "running"),
            rx.progress(
                value=upload["percent"].to(int),
                max=100,
                width="100%",
                margin_top="0.4em",
                aria_label=upload["name"].to(str),
            ),
        ),
        rx.cond(
            status == "failed",
            rx.text(
                T["admin_job." + upload["error_code"].to(str)],
                color_scheme="red",
                size="2",
                role="alert",
            ),
        ),
        class_name="upload-row",
        data_status=status,
        padding_y="0.5em",
        border_bottom="1px solid var(--gray-a4)",
        width="100%",
    )


def upload_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(T["admin.upload_title"], size="4"),
            rx.text(T["admin.upload_hint"], color_scheme="gray", size="2"),
            rx.text(
                T["admin.scene_name"],
                as_="label",
                custom_attrs={"htmlFor": "scene-name"},
                weight="medium",
                size="2",
            ),
            rx.input(
                id="scene-name",
                value=AdminState.scene_name,
                on_change=AdminState.set_scene_name,
                placeholder=T["admin.scene_name_hint"],
                max_length=200,
                width="100%",
            ),
            upload_area(
                T["admin.drop"],
                rx.vstack(
                    rx.icon("image-up", size=28, color="var(--gray-10)"),
                    rx.text(T["admin.drop"], size="2", color_scheme="gray", text_align="center"),
                    rx.foreach(
                        rx.selected_files(UPLOAD_ID),
                        lambda name: rx.badge(name, variant="soft"),
                    ),
                    align="center",
                    spacing="2",
                ),
                id=UPLOAD_ID,
                accept=ACCEPT,
                multiple=True,
                max_size=jobs.limits().max_bytes,
                on_drop_rejected=lambda _rejections: UPLOAD_REJECTED(),
                border="2px dashed var(--gray-a7)",
                border_radius="10px",
                padding="1.2em",
                width="100%",
                cursor="pointer",
            ),
            notice(AdminState.upload_error_key),
            rx.button(
                rx.cond(AdminState.uploading, T["admin.uploading"], T["admin.upload"]),
                on_click=UPLOAD(rx.upload_files_chunk(upload_id=UPLOAD_ID)),
                loading=AdminState.uploading,
                id="upload-button",
            ),
            rx.cond(
                has_items(AdminState.uploads),
                rx.vstack(
                    rx.heading(T["admin.uploads"], size="3", margin_top="0.5em"),
                    rx.foreach(AdminState.uploads, upload_row),
                    spacing="0",
                    width="100%",
                    id="uploads",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def scene_row(scene: Any) -> rx.Component:
    current = scene["id"].to(int) == AdminState.scene_id
    return rx.hstack(
        rx.vstack(
            rx.text(scene["name"].to(str), weight="bold"),
            rx.text(
                T["admin.hotspots"] + ": " + scene["hotspots"].to(str),
                size="1",
                color_scheme="gray",
            ),
            spacing="0",
        ),
        rx.spacer(),
        rx.link(
            rx.icon("external-link", size=16),
            href="/tour/" + AdminState.store_slug + "/" + scene["slug"].to(str),
            is_external=True,
            aria_label=T["admin.view_tour"],
            title=T["admin.view_tour"],
            color_scheme="gray",
        ),
        rx.button(
            rx.cond(current, T["admin.editing"], T["admin.edit"]),
            on_click=EDIT_SCENE(scene["id"].to(int)),
            variant=rx.cond(current, "solid", "soft"),
            size="2",
            aria_label=T["admin.edit"] + " " + scene["name"].to(str),
        ),
        align="center",
        width="100%",
        class_name="scene-row",
        padding_y="0.4em",
        border_bottom="1px solid var(--gray-a4)",
    )


def scenes_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(T["admin.scenes"], size="4"),
            rx.cond(
                has_items(AdminState.scenes),
                rx.vstack(rx.foreach(AdminState.scenes, scene_row), spacing="0", width="100%"),
                rx.text(T["admin.no_scenes"], color_scheme="gray"),
            ),
            spacing="3",
            width="100%",
            id="scenes",
        ),
        width="100%",
    )


def pending_panel() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(T["admin.new_hotspot"], size="3"),
            rx.radio_group.root(
                rx.hstack(
                    rx.text(
                        rx.radio_group.item(value="product"),
                        " ",
                        T["admin.kind_product"],
                        as_="label",
                        size="2",
                    ),
                    rx.text(
                        rx.radio_group.item(value="scene"),
                        " ",
                        T["admin.kind_scene"],
                        as_="label",
                        size="2",
                    ),
                    spacing="4",
                ),
                value=AdminState.kind,
                on_change=AdminState.set_kind,
            ),
            rx.cond(
                AdminState.kind == "product",
                rx.select.root(
                    rx.select.trigger(placeholder=T["admin.choose_product"], width="100%"),
                    rx.select.content(
                        rx.foreach(
                            AdminState.products,
                            lambda p: rx.select.item(p["label"], value=p["id"]),
                        )
                    ),
                    value=AdminState.product_choice,
                    on_change=AdminState.choose_product,
                    name="product",
                ),
                rx.vstack(
                    rx.select.root(
                        rx.select.trigger(placeholder=T["admin.choose_scene"], width="100%"),
                        rx.select.content(
                            rx.foreach(
                                AdminState.scenes,
                                lambda s: rx.select.item(
                                    s["name"].to(str), value=s["id"].to_string()
                                ),
                            )
                        ),
                        value=AdminState.scene_choice,
                        on_change=AdminState.choose_scene,
                        name="scene",
                    ),
                    rx.checkbox(
                        T["admin.both_ways"],
                        checked=AdminState.both_ways,
                        on_change=AdminState.set_both_ways,
                    ),
                    width="100%",
                ),
            ),
            rx.hstack(
                rx.button(T["admin.place"], on_click=AdminState.confirm_place, id="place-hotspot"),
                rx.button(
                    T["admin.cancel"],
                    on_click=AdminState.cancel_pending,
                    variant="soft",
                    color_scheme="gray",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="new-hotspot",
    )


def marker_row(marker: Any) -> rx.Component:
    marker_id = marker["id"].to(str)
    selected = marker_id == AdminState.selected_id
    return rx.hstack(
        rx.icon(rx.cond(marker["kind"] == "scene", "arrow-up", "tag"), size=16),
        rx.link(
            marker["label"].to(str),
            on_click=SELECT(marker_id),
            weight=rx.cond(selected, "bold", "regular"),
            href="#",
            flex="1",
        ),
        rx.icon_button(
            rx.icon("trash-2", size=16),
            on_click=DELETE_HOTSPOT(marker_id),
            variant=rx.cond(selected, "solid", "soft"),
            color_scheme="red",
            size="1",
            aria_label=T["admin.delete"] + " " + marker["label"].to(str),
        ),
        align="center",
        width="100%",
        class_name="hotspot-row",
        custom_attrs={"data-hotspot": marker_id},
    )


def name_field(label_key: str, name: str, value: Any) -> rx.Component:
    return rx.vstack(
        rx.text(T[label_key], as_="label", custom_attrs={"htmlFor": name}, size="2"),
        rx.input(id=name, name=name, default_value=value, max_length=200, width="100%"),
        spacing="1",
        width="100%",
    )


def rename_popover() -> rx.Component:
    scene = AdminState.scene
    return rx.popover.root(
        rx.popover.trigger(
            rx.icon_button(
                rx.icon("pencil", size=16), variant="ghost", aria_label=T["admin.rename"],
                id="rename-scene",
            ),
        ),
        rx.popover.content(
            rx.form(
                rx.vstack(
                    name_field("admin.name_en", "name_en", scene["name_en"].to(str)),
                    name_field("admin.name_ja", "name_ja", scene["name_ja"].to(str)),
                    rx.popover.close(rx.button(T["admin.save"], type="submit")),
                    spacing="3",
                ),
                on_submit=AdminState.rename,
                reset_on_submit=False,
                # A new form per scene, so the fields show that scene's names.
                key=AdminState.scene_id,
            ),
            width="320px",
        ),
    )  # fmt: skip


def editor() -> rx.Component:
    scene = AdminState.scene
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(scene["name"].to(str), size="5", id="editor-title"),
                rename_popover(),
                rx.spacer(),
                rx.button(
                    rx.icon("crosshair", size=16),
                    T["admin.set_view"],
                    on_click=AdminState.set_initial_view,
                    variant="soft",
                    id="set-view",
                ),
                rx.button(
                    rx.icon("compass", size=16),
                    T["admin.set_north"],
                    on_click=AdminState.set_north,
                    variant="soft",
                    id="set-north",
                ),
                align="center",
                width="100%",
                wrap="wrap",
            ),
            rx.text(T["admin.editor_hint"], size="2", color_scheme="gray"),
            rx.box(
                panorama_editor(
                    panorama=scene["panorama"],
                    base_url=scene["base_url"].to(str),
                    markers=AdminState.markers,
                    selected_id=AdminState.selected_id,
                    pending=AdminState.pending,
                    default_yaw=scene["initial_yaw"].to(float),
                    default_pitch=scene["initial_pitch"].to(float),
                    default_zoom=scene["initial_zoom"].to(float),
                    lang=SessionState.viewer_texts,
                    on_place=AdminState.place,
                    on_select=AdminState.select,
                    on_move=AdminState.move,
                    on_view_change=AdminState.view_changed,
                ),
                width="100%",
                height="min(60vh, 560px)",
                border_radius="10px",
                overflow="hidden",
                background="#222",
            ),
            rx.hstack(
                rx.text(
                    T["admin.initial_view"] + ": " + scene["view_label"].to(str),
                    size="1",
                    color_scheme="gray",
                    id="initial-view",
                ),
                rx.text(
                    T["admin.north"] + ": " + scene["north_label"].to(str),
                    size="1",
                    color_scheme="gray",
                    id="north",
                ),
                spacing="4",
            ),
            notice(AdminState.error_key),
            notice(AdminState.saved_key, color="green"),
            rx.cond(has_items(AdminState.pending.keys()), pending_panel()),
            rx.heading(T["admin.hotspots"], size="3"),
            rx.cond(
                has_items(AdminState.markers),
                rx.vstack(rx.foreach(AdminState.markers, marker_row), width="100%", id="hotspots"),
                rx.text(T["admin.no_hotspots"], color_scheme="gray", size="2"),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="editor",
    )


def admin_page() -> rx.Component:
    return page(
        forbidden_or(
            rx.vstack(
                rx.hstack(
                    rx.heading(T["admin.title"], size="7"),
                    rx.spacer(),
                    rx.link(
                        rx.button(
                            rx.icon("package", size=16), T["admin.catalogue_link"], variant="soft"
                        ),
                        href=routes.ADMIN_CATALOGUE,
                    ),
                    align="center",
                    width="100%",
                ),
                rx.flex(
                    rx.vstack(
                        upload_card(),
                        scenes_card(),
                        width=["100%", "100%", "340px"],
                        flex_shrink="0",
                        spacing="4",
                    ),
                    rx.box(
                        rx.cond(
                            AdminState.scene_id != 0,
                            editor(),
                            rx.card(
                                rx.text(T["admin.choose_scene_to_edit"], color_scheme="gray"),
                                width="100%",
                            ),
                        ),
                        flex="1",
                        min_width="0",
                        width="100%",
                    ),
                    direction=rx.breakpoints(initial="column", md="row"),
                    spacing="4",
                    width="100%",
                    align="start",
                ),
                spacing="4",
                width="100%",
            )
        ),
        on_switch=AdminState.load,
    )


ROUTE = routes.ADMIN
