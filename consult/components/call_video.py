"""The call's video panel as a Reflex component (the React side is ``assets/call_video.jsx``).

Reflex copies ``assets/`` into ``.web/public/`` at build time, so the module is imported as
``$/public/call_video.jsx`` (what ``rx.asset("call_video.jsx").importable_path`` returns,
spelled out so that importing this module never depends on the current directory). It is a
:class:`rx.NoSSRComponent`: it uses ``navigator.mediaDevices`` and ``RTCPeerConnection``, so it
is loaded with a dynamic ``import()`` in the browser only. No npm dependencies.

Usage::

    call_video(
        consultation_id=CallState.consultation_id,
        token=CallState.link_token,  # the customer's signed link token; "" for staff
        role="customer",
        on_state_change=CallState.set_call_state,  # handler(state: str)
    )

The root element carries, for end-to-end tests: ``data-state`` ("connecting" | "connected" |
"failed"), ``data-remote-frames`` (remote video frames decoded), ``data-remote-luma`` (mean luma
0-255 of the remote picture: 0 for the black filler shown while the other side is away, -1
before any frame), ``data-remote-audio-samples`` and ``data-remote-audio-energy`` (the energy
grows only while the other side makes a sound) and ``data-error`` (last error code).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import reflex as rx
from reflex_base.event import EventType, passthrough_event_spec

JSX_MODULE = "$/public/call_video.jsx"

if TYPE_CHECKING:
    StateChangeTrigger = rx.EventHandler
else:
    StateChangeTrigger = rx.EventHandler[passthrough_event_spec(str)]


class CallVideo(rx.NoSSRComponent):
    """Local and remote video of a consultation call, with reconnection."""

    library = JSX_MODULE
    tag = "CallVideo"

    # The consultation (call) id: POST /api/rtc/{consultation_id}/offer.
    consultation_id: rx.Var[int]

    # Sent as "Authorization: Bearer <token>"; empty for staff (session cookie).
    token: rx.Var[str]

    # A label shown on the panel ("customer", "staff", or a translated name).
    role: rx.Var[str]

    # ICE servers; fetched from /api/rtc/config when not given.
    ice_servers: rx.Var[list[dict[str, Any]]]

    # Prefix of the signalling URLs; "" (default) means the page's own origin.
    api_base: rx.Var[str]

    # Texts, for translation.
    unmute_label: rx.Var[str]
    connecting_label: rx.Var[str]
    failed_label: rx.Var[str]

    # The connection state changed: receives "connecting" | "connected" | "failed".
    on_state_change: StateChangeTrigger


def call_video(
    consultation_id: rx.Var[int] | int,
    token: rx.Var[str] | str = "",
    role: rx.Var[str] | str = "",
    *,
    on_state_change: EventType[str] | None = None,
    **props: Any,
) -> rx.Component:
    """Create a :class:`CallVideo`; extra ``props`` (id, class_name, labels, ...) pass through."""
    kwargs: dict[str, Any] = {"consultation_id": consultation_id, "token": token, "role": role}
    if on_state_change is not None:
        kwargs["on_state_change"] = on_state_change
    return CallVideo.create(**kwargs, **props)
