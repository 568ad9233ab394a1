"""Reusable Reflex components (wrapped React libraries)."""

from showroom.components.panorama_viewer import (
    MarkerSpec,
    PanoramaSpec,
    PanoramaViewer,
    ViewChange,
    panorama_viewer,
)

__all__ = ["MarkerSpec", "PanoramaSpec", "PanoramaViewer", "ViewChange", "panorama_viewer"]
