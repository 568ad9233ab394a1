"""Where pages find this process's media registry (one per process; set by the app module).

Pages read connection states and measured quality from it for the supervisor's board; they never keep it in state.
"""

from __future__ import annotations

from consult.media.registry import MediaRegistry
from consult.media.signalling import Link

_registry: MediaRegistry | None = None


def install(registry: MediaRegistry) -> None:
    global _registry
    _registry = registry


def registry() -> MediaRegistry | None:
    return _registry


def live_links(consultation_ids: list[int]) -> dict[int, dict[str, Link]]:
    """Each participant's link by role, for these calls that have a room in this process."""
    media = _registry
    if media is None:
        return {}
    return {cid: links for cid in consultation_ids if (links := media.links(cid))}
