"""The supervisor's pages: live board, stepping into calls, KPIs, tour analytics.

key: (English, Japanese); merged into `showroom.i18n.MESSAGES`.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    "board.live": ("Live", "ライブ"),
    "board.queue": ("Walk-in queue", "ウォークイン待ち"),
    "board.no_queue": ("Nobody is waiting.", "待っているお客様はいません。"),
    "board.since": ("since", "から"),
    "board.with": ("with", "対応中："),
    "board.bookings_today": ("Bookings today", "本日の予約"),
    "board.next": ("Next", "次"),
    "board.absent_when_booked": (
        "Booked now but not available",
        "予約時間中ですが対応できない状態です",
    ),
    "board.waited": ("Waiting", "待ち時間"),
    "board.about": ("About", "お問い合わせ商品"),
    "board.asked_for": ("Asked for", "指名"),
    "board.anyone": ("Anyone", "指名なし"),
    "board.wait_alert": ("Waiting too long", "待ち時間超過"),
    "board.guest": ("Guest", "ゲスト"),
    "board.booked": ("Booked", "予約"),
    "board.walk_in": ("Walk-in", "ウォークイン"),
    "board.audio_only": ("Audio only", "音声のみ"),
    "board.video": ("Video", "ビデオ"),
    "board.quality_good": ("Connected", "接続良好"),
    "board.quality_poor": ("Connecting or unstable", "接続中・不安定"),
    "board.quality_none": ("Not connected", "未接続"),
    "board.recording": ("Recording", "録画中"),
    "board.supervised": ("Supervisor present", "スーパーバイザー参加中"),
    "board.answered": ("Calls answered today", "本日の応答数"),
    "board.average_wait": ("Average wait today", "本日の平均待ち時間"),
    "board.orders": ("Orders from calls today", "本日の通話からの注文"),
    "board.revenue": ("Revenue from calls today", "本日の通話からの売上"),
    "board.customer": ("Customer", "お客様"),
    "board.staff_member": ("Staff", "スタッフ"),
    "board.duration": ("Duration", "通話時間"),
    "board.media": ("Media", "メディア"),
    "board.connection": ("Connection", "接続"),
    "board.presence": ("Status", "状態"),
    "board.name": ("Name", "名前"),
}
