import reflex as rx
from reflex_base.plugins.sitemap import SitemapPlugin

config = rx.Config(
    app_name="showroom",
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="teal", gray_color="sand", radius="large")
        )
    ],
    disable_plugins=[SitemapPlugin],
    telemetry_enabled=False,
    show_built_with_reflex=False,
)
