import reflex as rx
from reflex_base.plugins.sitemap import SitemapPlugin

from showroom.settings import public_origins

config = rx.Config(
    app_name="showroom",
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="teal", gray_color="sand", radius="large")
        )
    ],
    disable_plugins=[SitemapPlugin],
    telemetry_enabled=False,
    # Only the app's own pages may call it with the staff cookie, or open its websocket.
    cors_allowed_origins=public_origins(),
    show_built_with_reflex=False,
)
