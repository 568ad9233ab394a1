"""Where each scene's name goes on the floor plan: beside its dot, never on another name or
dot, never outside the plan.

Positions are in percent of the (square) plan. Sizes are estimated for the smallest plan
drawn (104 px, on a phone) with its 10 px labels; a larger plan only gives more room.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PLAN_PX = 104.0
FONT_PX = 10.0
LINE_PX = 12.0
DOT_PX = 16.0
GAP_PX = 2.0


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    width: float
    height: float
    # How the page draws it: the text starts at `left` ("start"), is centred on the box
    # ("middle") or ends at its right ("end"); drawn at its own width, so that on a larger
    # plan the names keep their pixel size and only the room between them grows.
    align: str = "middle"

    @property
    def anchor(self) -> float:
        """The x (percent) the page pins the text to."""
        return {"start": self.left, "end": self.left + self.width}.get(
            self.align, self.left + self.width / 2
        )

    def overlap(self, other: Box) -> float:
        w = min(self.left + self.width, other.left + other.width) - max(self.left, other.left)
        h = min(self.top + self.height, other.top + other.height) - max(self.top, other.top)
        return max(w, 0.0) * max(h, 0.0)

    def outside(self) -> float:
        """How much of the box lies outside the plan (area, in percent²)."""
        inside = Box(0.0, 0.0, 100.0, 100.0).overlap(self)
        return self.width * self.height - inside


def text_width_px(text: str) -> float:
    """About how wide `text` is at 10 px: wide (CJK) characters about 1 em, others 0.6 em."""
    return sum(FONT_PX if ord(ch) >= 0x2E80 else FONT_PX * 0.6 for ch in text) + 2


def _pct(px: float) -> float:
    return px / PLAN_PX * 100


def _candidates(x: float, y: float, width: float) -> list[Box]:
    """Below, above, right, left of the dot at (x, y); below and above also shifted sideways
    (centred, then flush with the dot's left or right) so that they can stay on the plan."""
    height, gap, dot = _pct(LINE_PX), _pct(GAP_PX), _pct(DOT_PX) / 2
    below, above = y + dot + gap, y - dot - gap - height
    boxes = []
    for top in (below, above):
        boxes.append(Box(x - width / 2, top, width, height, "middle"))
        boxes.append(Box(x - dot, top, width, height, "start"))
        boxes.append(Box(x + dot - width, top, width, height, "end"))
    boxes.append(Box(x + dot + gap, y - height / 2, width, height, "start"))
    boxes.append(Box(x - dot - gap - width, y - height / 2, width, height, "end"))
    return boxes


def place_labels(spots: Sequence[tuple[float, float, str]]) -> list[Box]:
    """A box for each (x %, y %, name): the first candidate that is on the plan and clear of
    every dot and of the names placed before it; else the least bad one."""
    dot = _pct(DOT_PX)
    dots = [Box(x - dot / 2, y - dot / 2, dot, dot) for x, y, _ in spots]
    placed: list[Box] = []
    for x, y, name in spots:
        width = min(_pct(text_width_px(name)), 100.0)
        best, best_cost = None, float("inf")
        for box in _candidates(x, y, width):
            cost = box.outside() * 4 + sum(box.overlap(o) for o in [*dots, *placed])
            if cost < best_cost:
                best, best_cost = box, cost
            if cost == 0:
                break
        assert best is not None
        placed.append(best)
    return placed
