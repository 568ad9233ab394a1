"""The customer's tour: viewer, product panel, floor plan, wish list, sharing.

key: (English, Japanese); merged into `showroom.i18n.MESSAGES`.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    "tour.share": ("Share this view", "この視点を共有"),
    "tour.copied": ("Link copied", "リンクをコピーしました"),
    "tour.copy_failed": (
        "Could not copy; select the link and copy it:",
        "コピーできませんでした。リンクを選択してコピーしてください：",
    ),
    "tour.fullscreen": ("Full screen", "全画面表示"),
    "tour.products_here": ("Products here", "このエリアの商品"),
    "tour.no_products_here": ("No products in this area.", "このエリアに商品はありません。"),
    "tour.photos": ("Photos", "写真"),
    "tour.stock_elsewhere": ("Stock in our other stores", "他店舗の在庫"),
    "tour.ask_title": ("Ask staff about this", "この商品についてスタッフに聞く"),
    "tour.ask_book": ("Book a video call", "ビデオ相談を予約"),
    "tour.ask_call": ("Call now", "今すぐ通話"),
    "tour.call_choose": ("Talk to someone in particular", "スタッフを指名して通話"),
    "tour.call_in_call": ("in a call", "通話中"),
    "tour.call_nobody": (
        "Nobody is taking calls right now",
        "ただいま対応できるスタッフがいません",
    ),
    "tour.floor_plan": ("Floor plan", "フロアマップ"),
    "tour.you_are_here": ("You are here", "現在地"),
    "tour.go_to": ("Go to", "移動："),
    "wish.title": ("Wish list", "ほしい物リスト"),
    "wish.add": ("Add to wish list", "ほしい物リストに追加"),
    "wish.added": ("On your wish list", "ほしい物リストに追加済み"),
    "wish.remove": ("Remove", "削除"),
    "wish.show": ("Show", "表示"),
    "wish.empty": (
        "Nothing yet. Open a product and add it to keep it for this visit.",
        "まだありません。商品を開いて追加すると、この訪問の間保存されます。",
    ),
    "wish.kept": (
        "Kept in this browser, no sign-up needed.",
        "このブラウザに保存されます。登録は不要です。",
    ),
    "wish.error_visitor": (
        "Your wish list is not available in this browser.",
        "このブラウザではほしい物リストを使えません。",
    ),
    "wish.error_unknown": ("This product is no longer available.", "この商品は現在ありません。"),
    "wish.error_full": ("Your wish list is full.", "ほしい物リストがいっぱいです。"),
    "index.tour_soon": ("Tour coming soon", "店内ツアーは準備中です"),
    "psv.autorotate": ("Turn by itself", "自動回転"),
    "psv.gyroscope": ("Move the phone to look around", "スマホを動かして見回す"),
}
