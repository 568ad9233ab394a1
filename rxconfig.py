import reflex as rx

config = rx.Config(
    app_name="showroom",
    plugins=[rx.plugins.RadixThemesPlugin()],
    disable_plugins=["reflex.plugins.sitemap.SitemapPlugin"],
    telemetry_enabled=False,
    show_built_with_reflex=False,
)
