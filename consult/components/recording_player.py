"""The recording player as a Reflex component (the React side is ``assets/recording_player.jsx``).

Both participants side by side in sync, and the call's timeline beside them; clicking an entry
seeks there. Loaded in the browser only (``rx.NoSSRComponent``), like the call's media panel.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

JSX_MODULE = "$/public/recording_player.jsx"


class RecordingPlayer(rx.NoSSRComponent):
    library = JSX_MODULE
    tag = "RecordingPlayer"

    # [{role, src, offset}]: src "" where that side has no media.
    sides: rx.Var[list[dict[str, Any]]]

    # [{key, at, clock, kind, who, text}], `at` in seconds on the recording's clock.
    timeline: rx.Var[list[dict[str, Any]]]

    # The page's message catalogue (reads "recordings.*").
    texts: rx.Var[dict[str, str]]


def recording_player(sides: Any, timeline: Any, texts: Any, **props: Any) -> rx.Component:
    """`sides`, `timeline` and `texts` are state vars (see the props above)."""
    return RecordingPlayer.create(sides=sides, timeline=timeline, texts=texts, **props)
