"""The customer's side of a call: lobby, queue, call controls, product cards.

key: (English, Japanese); merged into `showroom.i18n.MESSAGES`.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # The walk-in queue, as the customer sees it.
    "queue.position": ("Your place in the queue:", "お待ちの順番："),
    "queue.estimate": ("Estimated wait: about", "待ち時間の目安：約"),
    "queue.minutes": ("min", "分"),
    "queue.any_moment": (
        "A member of staff will be with you any moment.",
        "まもなくスタッフがお応えします。",
    ),
    "queue.nobody_available": (
        "Nobody is available right now; we will answer as soon as someone is.",
        "ただいま対応できるスタッフがいません。対応可能になり次第お応えします。",
    ),
    "queue.waiting_for": ("Waiting for", "指名スタッフ："),
    "queue.moved": (
        "The member of staff you asked for is no longer available, so you are now waiting "
        "for anyone in the store. You keep your place.",
        "ご指名のスタッフが対応できなくなったため、店舗のどのスタッフでもお応えできるよう"
        "切り替えました。順番はそのままです。",
    ),
    "queue.no_answer_title": ("Sorry to keep you waiting", "お待たせして申し訳ありません"),
    "queue.no_answer_help": (
        "You can keep waiting, book a time that suits you, or leave a message and we will "
        "reply by email.",
        "このままお待ちいただくか、ご都合のよい時間をご予約いただくか、メッセージを残して"
        "いただければメールでご返信します。",
    ),
    "queue.book_instead": ("Book a consultation instead", "代わりに相談を予約する"),
    "queue.email": ("Your email address", "メールアドレス"),
    "queue.message": ("Your message", "メッセージ"),
    "queue.send_message": ("Leave a message", "メッセージを残す"),
    "queue.message_sent": (
        "Thank you. Your message has been passed to the store; we will reply by email.",
        "ありがとうございます。メッセージを店舗にお伝えしました。メールでご返信します。",
    ),
    "queue.bad_email": (
        "Please enter a valid email address so that we can reply.",
        "ご返信のため、正しいメールアドレスを入力してください。",
    ),
    "queue.already_answered": (
        "A member of staff has just answered your call.",
        "ちょうどスタッフが応答しました。",
    ),
    "queue.leave": ("Leave the queue", "待機をやめる"),
    # Chat: product cards, the shared cart and call events.
    "chat.view_in_tour": ("View in the tour", "ツアーで見る"),
    "chat.add_to_cart": ("Add to cart", "カートに追加"),
    "chat.remove_from_cart": ("Remove from cart", "カートから削除"),
    "chat.one_more": ("One more", "1点追加"),
    "chat.one_fewer": ("One fewer", "1点減らす"),
    "cart.not_in_cart": (
        "That product is no longer in the cart.",
        "この商品はもうカートにありません。",
    ),
    "chat.cart": ("Cart", "カート"),
    "cart.empty": ("The cart is empty.", "カートは空です。"),
    "cart.refused": (
        "That cannot be added to the cart (too many, or not sold here).",
        "カートに追加できません（数量が多すぎるか、この店舗では扱っていません）。",
    ),
    "chat.event_joined": ("joined the call", "通話に参加しました"),
    "chat.event_left": ("left the call", "通話から退出しました"),
    "chat.event_reconnected": ("reconnected", "再接続しました"),
    "chat.event_connection_lost": ("connection lost, reconnecting…", "接続が切れました。再接続中…"),
    "chat.event_audio_only": ("switched to audio only", "音声のみに切り替えました"),
    "chat.event_ended": ("The consultation ended", "相談が終了しました"),
    "chat.event_transferred": ("You are now talking to", "担当が交代しました："),
}
