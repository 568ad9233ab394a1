"""Where pages find this process's media registry (one per process; set by the app module).

Pages read connection states from it for the supervisor's board; they never keep it in state.
"""

from __future__ import annotations

from consult.media.registry import MediaRegistry

_registry: MediaRegistry | None = None


def install(registry: MediaRegistry) -> None:
    global _registry
    _registry = registry


def registry() -> MediaRegistry | None:
    return _registry


def live_states(consultation_ids: list[int]) -> dict[int, dict[str, str]]:
    """Connection state by role for each of these calls that has a room in this process."""
    media = _registry
    if media is None:
        return {}
    return {cid: states for cid in consultation_ids if (states := media.participants(cid))}
