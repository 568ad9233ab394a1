"""The call's media panel as a Reflex component (the React side is ``assets/call_video.jsx``).

Reflex copies ``assets/`` into ``.web/public/`` at build time, so the module is imported as
``$/public/call_video.jsx`` (what ``rx.asset("call_video.jsx").importable_path`` returns,
spelled out so that importing this module never depends on the current directory). It is a
:class:`rx.NoSSRComponent`: it uses ``navigator.mediaDevices`` and ``RTCPeerConnection``, so it
is loaded with a dynamic ``import()`` in the browser only. No npm dependencies.

The panel starts in a lobby (camera preview, microphone level, device pickers, what is blocked
or missing, "join" / "join with audio only": button ``#lobby-join``); a reload during the call
rejoins straight away. Usage::

    call_video(
        consultation_id=CallState.consultation_id,
        token=CallState.token,  # the customer's signed link token; "" for staff
        role=T["call.staff"],  # the other side's label
        on_state_change=CallState.set_media_phase,  # handler(phase: str), optional
    )

Phases (``data-state`` on the root, and ``on_state_change``): lobby, connecting, connected,
reconnecting, failed, left, ended, superseded (the call was opened in another tab). The root
also carries figures for tests and the benchmark (see the .jsx header).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import reflex as rx
from reflex_base.event import EventType, passthrough_event_spec

from showroom.session_state import SessionState

JSX_MODULE = "$/public/call_video.jsx"

if TYPE_CHECKING:
    StateChangeTrigger = rx.EventHandler
else:
    StateChangeTrigger = rx.EventHandler[passthrough_event_spec(str)]


class CallVideo(rx.NoSSRComponent):
    """Lobby, then local and remote video of a consultation call, with recovery."""

    library = JSX_MODULE
    tag = "CallVideo"

    # The consultation (call) id: POST /api/rtc/{consultation_id}/offer.
    consultation_id: rx.Var[int]

    # Sent as "Authorization: Bearer <token>"; empty for staff (session cookie).
    token: rx.Var[str]

    # The other side's label ("Staff", "Customer", or a name).
    role: rx.Var[str]

    # Who the other side is (a name and a photo URL), shown while waiting for them; optional.
    peer_name: rx.Var[str]
    peer_photo: rx.Var[str]

    # The page's message catalogue (the panel reads its "media.*" keys).
    texts: rx.Var[dict[str, str]]

    # ICE servers; fetched from /api/rtc/config when not given.
    ice_servers: rx.Var[list[dict[str, Any]]]

    # Prefix of the signalling URLs; "" (default) means the page's own origin.
    api_base: rx.Var[str]

    # The phase changed: lobby | connecting | connected | reconnecting | failed | left | ended |
    # superseded.
    on_state_change: StateChangeTrigger


def call_video(
    consultation_id: rx.Var[int] | int,
    token: rx.Var[str] | str = "",
    role: rx.Var[str] | str = "",
    *,
    on_state_change: EventType[str] | None = None,
    **props: Any,
) -> rx.Component:
    """Create a :class:`CallVideo` in the page's language; extra ``props`` (id, class_name,
    ice_servers, ...) pass through."""
    kwargs: dict[str, Any] = {
        "consultation_id": consultation_id,
        "token": token,
        "role": role,
        "texts": props.pop("texts", SessionState.t),
    }
    if on_state_change is not None:
        kwargs["on_state_change"] = on_state_change
    return CallVideo.create(**kwargs, **props)
