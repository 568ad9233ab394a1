"""Virtual tours: what a scene shows, authoring it, what visitors did, their wish lists.

Start with `scenes.py` (stores, scenes, hotspots with live price and stock); `authoring.py` is the
admin's editing, `panorama/` renders and tiles the images.
"""
