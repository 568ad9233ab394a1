"""The guided tour in a call: staff steer the customer's 360° view.

key: (English, Japanese); merged into `showroom.i18n.MESSAGES`.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    "guide.title": ("Guided tour", "ガイドツアー"),
    "guide.intro": (
        "Show the customer around the store in 360°: they see what you see.",
        "360°で店内をご案内します。お客様にはあなたと同じ画面が表示されます。",
    ),
    "guide.start": ("Start guided tour", "ガイドツアーを開始"),
    "guide.stop": ("Stop guided tour", "ガイドツアーを終了"),
    "guide.scene": ("Area", "エリア"),
    "guide.steer_hint": (
        "Drag to turn, scroll to zoom, click a product to point it out.",
        "ドラッグで向きを変え、スクロールでズーム、商品をクリックするとお客様に示せます。",
    ),
    "guide.clear_highlight": ("Stop pointing out", "強調表示をやめる"),
    "guide.customer_follows": (
        "The customer sees what you see.",
        "お客様はあなたと同じ画面を見ています。",
    ),
    "guide.customer_has_control": (
        "The customer is looking around on their own.",
        "お客様がご自身で見て回っています。",
    ),
    "guide.staff_steering": (
        "Staff are showing you around.",
        "スタッフがご案内しています。",
    ),
    "guide.you_steer": (
        "You are looking around on your own.",
        "ご自身で見て回っています。",
    ),
    "guide.take_control": ("Look around myself", "自分で見て回る"),
    "guide.follow": ("Follow staff again", "スタッフの案内に戻る"),
    "guide.bad_view": ("That view could not be shared.", "この表示は共有できませんでした。"),
    "guide.bad_control": ("That request was not understood.", "このリクエストは処理できません。"),
    "guide.unknown_scene": (
        "That area is not part of this store.",
        "このエリアはこの店舗にはありません。",
    ),
    "guide.unknown_hotspot": (
        "That item is not in this area.",
        "この商品はこのエリアにはありません。",
    ),
    "guide.call_ended": (
        "The call has ended: the guided tour is off.",
        "通話が終了したため、ガイドツアーは終了しました。",
    ),
}
