"""The staff side of calls: presence, queue, customer context, cart, transfer, wrap-up.

key: (English, Japanese); merged into `showroom.i18n.MESSAGES`.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    "presence.label": ("Walk-in calls", "ウォークイン通話"),
    "presence.available": ("Available", "対応可能"),
    "presence.away": ("Away", "離席中"),
    "presence.offline": ("Offline", "オフライン"),
    "presence.available_help": ("You receive walk-in calls", "ウォークイン通話を受けます"),
    "presence.away_help": ("You receive no walk-in calls", "ウォークイン通話を受けません"),
    "presence.offline_help": (
        "Offline: choose Available to take calls",
        "オフライン：通話を受けるには「対応可能」を選んでください",
    ),
    "presence.unknown": ("Choose Available or Away.", "「対応可能」か「離席中」を選んでください。"),
    "queue.accept": ("Accept", "応答する"),
    "queue.taken": (
        "A colleague has already taken that call.",
        "その通話は他のスタッフが既に応答しました。",
    ),
    "queue.guest": ("Guest", "ゲスト"),
    "queue.waited": ("Waiting", "待機"),
    "queue.for_you": ("Asked for you", "あなたを指名"),
    "queue.booked": ("Booked", "予約"),
    "queue.messages_left": (
        "Messages left while nobody answered",
        "応答できなかった間のメッセージ",
    ),
    "staff.start_call": ("Start the call", "通話を開始"),
    "staff.your_call": ("A call of yours is still open", "あなたの通話が続いています"),
    "staff.products": ("Show a product", "商品を見せる"),
    "staff.search_products": ("Search the catalogue", "商品を検索"),
    "staff.show_product": ("Show", "表示"),
    "context.name": ("Name", "お名前"),
    "context.email": ("Email", "メール"),
    "context.came_for": ("Called about", "お問い合わせの商品"),
    "context.view": ("Called from", "発信した場所"),
    "context.past": ("Earlier with this store", "これまでのご利用"),
    "context.notes": ("Private notes", "非公開メモ"),
    "context.notes_help": (
        "Only staff see these; they are saved as you type.",
        "スタッフのみ閲覧できます。入力すると自動で保存されます。",
    ),
    "context.notes_saved": ("Saved", "保存しました"),
    "transfer.title": ("Transfer to a colleague", "他のスタッフに引き継ぐ"),
    "transfer.choose": ("Choose a colleague", "スタッフを選択"),
    "transfer.nobody": (
        "No colleague is available right now.",
        "現在対応可能なスタッフはいません。",
    ),
    "transfer.note": ("A short note for your colleague", "引き継ぎメモ"),
    "transfer.send": ("Transfer", "引き継ぐ"),
    "transfer.refresh": ("Refresh", "更新"),
    "transfer.from": ("Handed over by", "引き継ぎ元："),
    "transfer.to_self": (
        "Choose a colleague other than yourself.",
        "自分以外のスタッフを選んでください。",
    ),
    "transfer.unavailable": (
        "That colleague is no longer available. Choose another.",
        "そのスタッフは対応できなくなりました。別のスタッフを選んでください。",
    ),
    "transfer.not_yours": (
        "This call is no longer yours to transfer.",
        "この通話はもうあなたの担当ではありません。",
    ),
    "transfer.note_too_long": (
        "The note is too long (500 characters at most).",
        "メモが長すぎます（最大500文字）。",
    ),
    "wrap_up.title": ("Wrap-up", "通話のまとめ"),
    "wrap_up.duration": ("Duration", "通話時間"),
    "wrap_up.products": ("Products shown", "紹介した商品"),
    "wrap_up.orders": ("Orders", "注文"),
    "wrap_up.outcome": ("Outcome", "結果"),
    "wrap_up.transcript": ("Chat transcript", "チャット履歴"),
    "wrap_up.save": ("Save and close", "保存して閉じる"),
    "wrap_up.choose_outcome": ("Choose an outcome first.", "結果を選んでください。"),
    "wrap_up.not_ended": ("End the call first.", "先に通話を終了してください。"),
    "wrap_up.notes_too_long": (
        "The notes are too long (5,000 characters at most).",
        "メモが長すぎます（最大5,000文字）。",
    ),
    "outcome.sold": ("Sold", "成約"),
    "outcome.follow_up": ("Follow up", "フォローアップ"),
    "outcome.no_interest": ("No interest", "見送り"),
}
