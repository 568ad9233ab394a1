"""A supervisor's own media in a call, or a side's view of a supervisor who barged in, as a
Reflex component (the React side is ``assets/step_in_video.jsx``).

``mode``: "monitor" (receive both sides, send nothing), "supervisor" (camera and microphone
too) or "aux" (one side's second, receive-only connection showing the supervisor). It opens a
connection of its own and closes it on unmount; the call's own connections are not touched.
"""

from __future__ import annotations

from typing import Any

import reflex as rx


class StepInVideo(rx.NoSSRComponent):
    library = "$/public/step_in_video.jsx"
    tag = "StepInVideo"

    consultation_id: rx.Var[int]
    mode: rx.Var[str]
    # The customer's link token; "" for staff and supervisors (session cookie).
    token: rx.Var[str]
    # Captions of the received pictures, in order: customer then staff, or the supervisor.
    labels: rx.Var[list[str]]


def step_in_video(
    consultation_id: rx.Var[int] | int, mode: rx.Var[str] | str, **props: Any
) -> rx.Component:
    return StepInVideo.create(consultation_id=consultation_id, mode=mode, **props)
