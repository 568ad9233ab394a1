"""Serving recordings: only through this route, only with a short-lived signed URL, only to
the member of staff it was signed for, who must still be allowed to see it now.

    GET /api/recordings/{recording_id}/{role}.webm?exp=&use=inline|download&sig=

Answers 200 or 206 (HTTP range requests, so the player can seek; a range past the end gets
416), `Content-Disposition: inline` (or `attachment` for a download link, which needs the
download permission), `Cache-Control: private, no-store`. The caller is checked before
anything else: 401 without a login; 403 for a bad or expired signature; 404 for a recording
that does not exist or is not this caller's to see (a guessed number, another store's, a
colleague's). No Reflex here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from consult.media import recordings
from consult.media.recordings import Viewer
from showroom.db import session_scope

ViewerOf = Callable[[Request], Viewer | None]
NO_STORE = {"Cache-Control": "private, no-store"}


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=NO_STORE)


def recording_routes(viewer_of: ViewerOf, key: str, recordings_dir: Path) -> list[Route]:
    async def media(request: Request) -> Response:
        viewer = viewer_of(request)
        if viewer is None:
            return _error(401, "login_required", "Sign in to play recordings.")
        recording_id: int = request.path_params["recording_id"]
        role: str = request.path_params["role"]
        query = request.query_params
        use = query.get("use", "")
        if role not in recordings.ROLES or not recordings.check_media_signature(
            key,
            recording_id,
            role,
            viewer.staff_id,
            expires=query.get("exp", ""),
            use=use,
            signature=query.get("sig", ""),
        ):
            return _error(403, "bad_signature", "This link is not valid (or has expired).")
        with session_scope() as session:
            try:
                recording = recordings.viewable(session, viewer, recording_id)
            except LookupError:
                return _error(404, "not_found", "No such recording.")
            if use == "download" and not recordings.may_download(session, viewer):
                return _error(403, "forbidden", "You may not download recordings.")
            path = recordings.media_path(recordings_dir, recording, role)
        if path is None:
            return _error(404, "not_found", "No media for this recording.")
        disposition = "attachment" if use == "download" else "inline"
        return FileResponse(
            path,
            media_type="video/webm",
            filename=f"recording-{recording_id}-{role}.webm",
            content_disposition_type=disposition,
            headers=NO_STORE,
        )

    return [
        Route(
            "/api/recordings/{recording_id:int}/{role}.webm",
            media,
            methods=["GET", "HEAD"],
            name="recording_media",
        )
    ]
