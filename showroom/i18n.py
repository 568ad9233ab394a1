"""Every visible string in Japanese and English, and locale-aware money formatting.

Keys are grouped by page: the shared and older pages' strings are here, each newer area
keeps its own table in `showroom/texts/` (merged below; a key may be defined once only).
A unit test checks that every key used in the code exists with both languages, so nothing
is shown untranslated.
"""

from __future__ import annotations

from showroom.texts import admin, call, media, staff, tour
from showroom.texts import catalogue as catalogue_texts
from showroom.texts import commerce as commerce_texts
from showroom.texts import first_use as first_use_texts
from showroom.texts import guide as guide_texts
from showroom.texts import recording as recording_texts
from showroom.texts import security as security_texts
from showroom.texts import supervision as supervision_texts

LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"

# Currencies without a minor unit: amounts are stored as whole units.
ZERO_DECIMAL = frozenset({"JPY", "KRW", "VND"})
SYMBOLS = {"JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£"}

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (English, Japanese)
    "app.name": ("Showroom", "ショールーム"),
    "app.tagline": (
        "Walk through our stores online and talk to our staff face to face.",
        "オンラインで店内を歩き、スタッフと顔を見ながら相談できます。",
    ),
    "lang.switch": ("日本語", "English"),
    "lang.switch_name": ("日本語 (Japanese)", "English (英語)"),
    "a11y.skip": ("Skip to content", "本文へ移動"),
    "nav.home": ("Stores", "店舗一覧"),
    "nav.staff": ("Staff", "スタッフ"),
    "nav.supervisor": ("Supervisor", "スーパーバイザー"),
    "nav.login": ("Staff login", "スタッフログイン"),
    "nav.logout": ("Log out", "ログアウト"),
    "index.title": ("Our stores", "店舗"),
    "index.enter_tour": ("Enter the store", "店内に入る"),
    "index.no_stores": ("No stores yet.", "まだ店舗がありません。"),
    "tour.loading": ("Loading the store…", "店内を読み込み中…"),
    "tour.not_found": (
        "This store or scene does not exist.",
        "この店舗またはシーンは存在しません。",
    ),
    "tour.scenes": ("Areas", "エリア"),
    "tour.call_now": ("Talk to staff now", "今すぐスタッフと話す"),
    "tour.close": ("Close", "閉じる"),
    "tour.price": ("Price", "価格"),
    "tour.stock_here": ("Stock in this store", "この店舗の在庫"),
    "stock.in": ("In stock", "在庫あり"),
    "stock.few": ("Only a few left", "残りわずか"),
    "stock.out": ("Out of stock", "在庫なし"),
    "call.title": ("Video consultation", "ビデオ相談"),
    "call.waiting": ("Waiting for a member of staff…", "スタッフの参加を待っています…"),
    "call.connected": ("Connected", "接続しました"),
    "call.connecting": ("Connecting…", "接続中…"),
    "call.failed": ("The connection failed. Retrying…", "接続に失敗しました。再接続中…"),
    "call.ended": ("This consultation has ended.", "この相談は終了しました。"),
    "call.chat": ("Chat", "チャット"),
    "call.chat_placeholder": ("Type a message", "メッセージを入力"),
    "call.send": ("Send", "送信"),
    "call.you": ("You", "あなた"),
    "call.staff": ("Staff", "スタッフ"),
    "call.customer": ("Customer", "お客様"),
    "call.message_empty": ("Type a message first.", "メッセージを入力してください。"),
    "call.message_too_long": (
        "That message is too long (2,000 characters at most).",
        "メッセージが長すぎます（最大2,000文字）。",
    ),
    "call.pay": ("Pay now", "今すぐ支払う"),
    "call.payment_requested": ("Payment requested", "お支払いのご依頼"),
    "call.end": ("Leave", "退出"),
    "link.invalid": (
        "This link is not valid. Please check that you copied all of it.",
        "このリンクは無効です。リンク全体をコピーしたかご確認ください。",
    ),
    "link.expired": (
        "This link has expired. Please contact the store for a new one.",
        "このリンクは有効期限が切れています。店舗にお問い合わせください。",
    ),
    "login.title": ("Staff login", "スタッフログイン"),
    "login.email": ("Email", "メールアドレス"),
    "login.password": ("Password", "パスワード"),
    "login.submit": ("Log in", "ログイン"),
    "auth.invalid_credentials": (
        "The email or password is not correct.",
        "メールアドレスまたはパスワードが正しくありません。",
    ),
    "auth.missing_fields": (
        "Enter your email and password.",
        "メールアドレスとパスワードを入力してください。",
    ),
    "auth.login_required": ("Please log in to continue.", "続けるにはログインしてください。"),
    "auth.forbidden": (
        "You do not have access to this page.",
        "このページへのアクセス権がありません。",
    ),
    "staff.title": ("Consultations", "相談"),
    "staff.hello": ("Signed in as", "ログイン中："),
    "staff.queue": ("Customers waiting", "お待ちのお客様"),
    "staff.queue_empty": ("Nobody is waiting right now.", "現在お待ちのお客様はいません。"),
    "staff.join": ("Join", "参加"),
    "staff.waiting_since": ("waiting since", "待機開始"),
    "staff.request_payment": ("Request payment", "支払いを依頼"),
    "staff.payment_sent": ("Payment request sent", "支払い依頼を送信しました"),
    "staff.order_paid": ("Paid", "支払い済み"),
    "staff.customer_link": ("Customer link", "お客様用リンク"),
    "staff.bookings": ("Upcoming bookings", "今後の予約"),
    "staff.no_bookings": ("No bookings in the next two weeks.", "今後2週間の予約はありません。"),
    "staff.mark_completed": ("Completed", "完了"),
    "staff.mark_no_show": ("No-show", "来店なし"),
    "staff.calendar_feed": (
        "Calendar feed (subscribe in your calendar app)",
        "カレンダー購読用URL",
    ),
    "staff.product": ("Product", "商品"),
    "staff.from_tour": ("Asked while looking at it in the tour", "ツアーで見ながらのご相談"),
    "status.confirmed": ("Confirmed", "確定"),
    "status.completed": ("Completed", "完了"),
    "status.no_show": ("No-show", "来店なし"),
    "availability.title": ("My weekly hours", "毎週の対応時間"),
    "availability.help": (
        "Store time. Several ranges a day: 10:00-13:00, 14:00-19:00. Leave empty for a day off.",
        "店舗の時刻で入力します。1日に複数可：10:00-13:00, 14:00-19:00。休みの日は空欄。",
    ),
    "availability.save": ("Save hours", "対応時間を保存"),
    "availability.saved": ("Your hours are saved.", "対応時間を保存しました。"),
    "availability.bad_format": (
        "Write times as 10:00-13:00, separated by commas.",
        "時間は 10:00-13:00 の形式で、カンマで区切って入力してください。",
    ),
    "availability.bad_time": ("That is not a time of day.", "正しい時刻ではありません。"),
    "availability.start_after_end": (
        "A range must end after it starts.",
        "終了時刻は開始時刻より後にしてください。",
    ),
    "availability.overlap": ("Two ranges overlap.", "時間帯が重なっています。"),
    "availability.dates_title": ("Dates with other hours", "特別な日の対応時間"),
    "availability.dates_help": (
        "Hours for one date instead of the week's; leave the hours empty for a day off.",
        "その日だけの対応時間です。休みにする場合は時間を空欄にしてください。",
    ),
    "availability.date": ("Date", "日付"),
    "availability.hours": ("Hours", "時間"),
    "availability.day_off": ("Day off", "休み"),
    "availability.save_date": ("Save date", "この日を保存"),
    "availability.remove": ("Remove", "削除"),
    "availability.no_dates": ("No dates with other hours.", "特別な日の設定はありません。"),
    "availability.past_date": ("Choose today or a later date.", "今日以降の日付を選んでください。"),
    "availability.bad_date": ("Choose a date.", "日付を選んでください。"),
    "day.0": ("Monday", "月曜日"),
    "day.1": ("Tuesday", "火曜日"),
    "day.2": ("Wednesday", "水曜日"),
    "day.3": ("Thursday", "木曜日"),
    "day.4": ("Friday", "金曜日"),
    "day.5": ("Saturday", "土曜日"),
    "day.6": ("Sunday", "日曜日"),
    "staff.end_call": ("End call", "通話を終了"),
    "staff.context_title": ("The customer's visit", "お客様の閲覧内容"),
    "staff.context_products": ("Products looked at in the tour", "ツアーで見た商品"),
    "staff.context_scenes": ("Areas visited", "訪れたエリア"),
    "staff.context_empty": (
        "This customer has not opened any product in the tour yet.",
        "このお客様はまだツアーで商品を開いていません。",
    ),
    "supervisor.title": ("Live board", "ライブボード"),
    "supervisor.staff": ("Staff", "スタッフ"),
    "supervisor.calls": ("Calls", "通話"),
    "supervisor.no_calls": ("No calls right now.", "現在通話はありません。"),
    "supervisor.orders_paid": ("Paid orders", "支払い済み注文"),
    "supervisor.revenue": ("Revenue", "売上"),
    "status.waiting": ("Waiting", "待機中"),
    "status.active": ("In call", "通話中"),
    "status.ended": ("Ended", "終了"),
    "role.staff": ("Staff", "スタッフ"),
    "role.supervisor": ("Supervisor", "スーパーバイザー"),
    "pay.title": ("Payment", "お支払い"),
    "pay.total": ("Total", "合計"),
    "pay.card": ("Card", "カード"),
    "pay.submit": ("Pay", "支払う"),
    "pay.processing": ("Processing…", "処理中…"),
    "pay.paid": (
        "Thank you. Your payment has been received.",
        "ありがとうございます。お支払いを受け付けました。",
    ),
    "pay.failed": ("The payment did not go through:", "お支払いができませんでした："),
    "pay.waiting_confirmation": (
        "Payment sent; waiting for confirmation…",
        "送信しました。確認を待っています…",
    ),
    "call.unmute": ("Turn on sound", "音声をオンにする"),
    "call.could_not_join": ("Could not join the call", "通話に参加できませんでした"),
    # Photo Sphere Viewer's own texts (navbar tooltips, hints), by its `lang` keys.
    "psv.zoom": ("Zoom", "ズーム"),
    "psv.zoomOut": ("Zoom out", "縮小"),
    "psv.zoomIn": ("Zoom in", "拡大"),
    # Not Photo Sphere Viewer's own: what a product hotspot's spoken name adds.
    "psv.stock_in": ("In stock", "在庫あり"),
    "psv.stock_few": ("Only a few left", "残りわずか"),
    "psv.stock_out": ("Out of stock", "在庫なし"),
    "psv.moveUp": ("Look up", "上を見る"),
    "psv.moveDown": ("Look down", "下を見る"),
    "psv.moveLeft": ("Look left", "左を見る"),
    "psv.moveRight": ("Look right", "右を見る"),
    "psv.description": ("Description", "説明"),
    "psv.download": ("Download", "ダウンロード"),
    "psv.fullscreen": ("Full screen", "全画面表示"),
    "psv.loading": ("Loading…", "読み込み中…"),
    "psv.menu": ("Menu", "メニュー"),
    "psv.close": ("Close", "閉じる"),
    "psv.twoFingers": ("Use two fingers to look around", "2本の指で見回してください"),
    "psv.ctrlZoom": ("Use Ctrl + scroll to zoom", "Ctrl＋スクロールで拡大・縮小"),
    "psv.loadError": ("This view could not be loaded.", "この画像を読み込めませんでした。"),
    "psv.webglError": (
        "Your browser cannot show 3D views (WebGL is off).",
        "お使いのブラウザでは3D表示ができません（WebGLが無効です）。",
    ),
    # Booking rules (consult/booking/rules.py)
    "booking.slot_in_past": ("This time has already passed.", "この時間はすでに過ぎています。"),
    "booking.inside_notice": (
        "This time is too soon to book. Please choose a later time.",
        "直前のためご予約いただけません。もう少し先の時間をお選びください。",
    ),
    "booking.outside_availability": (
        "No consultations are offered at this time.",
        "この時間はご相談を受け付けていません。",
    ),
    "booking.day_full": (
        "No more consultations can be booked on this day.",
        "この日はこれ以上ご予約いただけません。",
    ),
    "booking.slot_taken": (
        "This slot was just taken. Here are the next free times.",
        "この時間はたった今埋まりました。次に空いている時間をご案内します。",
    ),
    "booking.unknown_staff": (
        "This staff member is not available for booking.",
        "このスタッフはご予約を受け付けていません。",
    ),
    "booking.unknown_type": (
        "This consultation is not offered.",
        "このご相談は受け付けていません。",
    ),
    "booking.unknown_product": (
        "This product is not available.",
        "この商品は取り扱っていません。",
    ),
    "booking.unknown_booking": ("This booking does not exist.", "このご予約は見つかりません。"),
    "booking.bad_email": (
        "Please enter a valid email address.",
        "有効なメールアドレスを入力してください。",
    ),
    "booking.bad_name": ("Please enter your name.", "お名前を入力してください。"),
    "booking.bad_time": ("This time is not valid.", "この時間は無効です。"),
    "booking.answer_required": (
        "Please answer the required questions.",
        "必須の質問にお答えください。",
    ),
    "booking.answer_invalid": ("An answer is not valid.", "回答に無効なものがあります。"),
    "booking.too_late_to_change": (
        "It is too close to the consultation to change it online. Please contact the store.",
        "ご相談の直前のため、オンラインでは変更できません。店舗へ直接ご連絡ください。",
    ),
    "booking.not_active": (
        "This booking was cancelled or has already taken place.",
        "このご予約はキャンセル済み、または終了しています。",
    ),
    "booking.not_started": (
        "The consultation has not started yet.",
        "ご相談はまだ始まっていません。",
    ),
    "booking.link_invalid": (
        "This link is not valid. Please use the link from your email.",
        "このリンクは無効です。メールに記載のリンクをご利用ください。",
    ),
    "booking.link_expired": ("This link has expired.", "このリンクは有効期限が切れています。"),
    # Answers to choice and yes/no questions: stored as the value, shown translated.
    "answer.yes": ("Yes", "はい"),
    "answer.no": ("No", "いいえ"),
    "answer.living": ("Living room", "リビング"),
    "answer.dining": ("Dining room", "ダイニング"),
    "answer.bedroom": ("Bedroom", "寝室"),
    # Booking pages
    "booking.title": ("Book a consultation", "ご相談の予約"),
    "booking.book_link": ("Book a consultation", "相談を予約する"),
    "booking.ask": (
        "Ask staff about this: book a consultation",
        "この商品についてスタッフに相談する（予約）",
    ),
    "booking.store_not_found": ("This store does not exist.", "この店舗は存在しません。"),
    "booking.about_product": ("About", "ご相談の商品"),
    "booking.choose_type": ("1. Choose a consultation", "1. ご相談の種類を選ぶ"),
    "booking.minutes": ("{n} min", "{n}分"),
    "booking.choose_staff": ("2. Choose who you would like to talk to", "2. 担当スタッフを選ぶ"),
    "booking.anyone": ("Anyone available", "指名なし"),
    "booking.anyone_hint": (
        "We pick a free member of staff for you.",
        "空いているスタッフが担当します。",
    ),
    "booking.languages": ("Speaks", "対応言語"),
    "booking.specialities": ("Specialities", "得意分野"),
    "booking.choose_time": ("3. Choose a time", "3. 日時を選ぶ"),
    "booking.times_in": ("Times in your time zone", "お客様のタイムゾーンで表示"),
    "booking.store_zone": ("store time zone", "店舗のタイムゾーン"),
    "booking.day": ("Day", "日付"),
    "booking.time": ("Time", "時間"),
    "booking.no_slots": (
        "No free times in the next two weeks. Please try another member of staff or call the store.",
        "今後2週間は空きがありません。別のスタッフをお選びいただくか、店舗へお電話ください。",
    ),
    "booking.chosen": ("Your time", "ご予約の日時"),
    "booking.store_time": ("Store time", "店舗の時間"),
    "booking.choose_slot": ("Please choose a time first.", "先に日時をお選びください。"),
    "booking.next_free": ("Next free times:", "次に空いている日時："),
    "booking.questions": ("4. A few questions", "4. 事前のご質問"),
    "booking.required": ("required", "必須"),
    "booking.your_details": ("5. Your details", "5. お客様情報"),
    "booking.name": ("Name", "お名前"),
    "booking.email": ("Email", "メールアドレス"),
    "booking.phone": ("Phone (optional)", "電話番号（任意）"),
    "booking.submit": ("Book this consultation", "この内容で予約する"),
    "booking.confirmed_title": ("Your consultation is booked", "ご予約が確定しました"),
    "booking.mail_sent": ("Confirmation email sent to", "確認メールの送信先"),
    "booking.what": ("Consultation", "ご相談内容"),
    "booking.when": ("When", "日時"),
    "booking.with": ("With", "担当"),
    "booking.where": ("Store", "店舗"),
    "booking.join_link": ("Your link to join the video call", "ビデオ通話への参加リンク"),
    "booking.reschedule": ("Change the time", "日時を変更"),
    "booking.cancel": ("Cancel the booking", "予約をキャンセル"),
    "booking.status_cancelled": ("Cancelled", "キャンセル済み"),
    "booking.contact_store": (
        "If you need help, please contact the store directly.",
        "お困りの場合は、店舗へ直接ご連絡ください。",
    ),
    "booking.join_title": ("Your video consultation", "ビデオ相談"),
    "booking.join_later": (
        "Please come back to this page at the time of your consultation.",
        "ご相談の時間になりましたら、このページを開いてください。",
    ),
    "booking.join_now": ("Join the video call", "ビデオ相談に参加する"),
    "booking.join_closed": (
        "This consultation is over or was cancelled.",
        "このご相談は終了したか、キャンセルされました。",
    ),
    "booking.reschedule_title": ("Change your booking", "ご予約の日時変更"),
    "booking.choose_new_time": ("Choose a new time", "新しい日時を選ぶ"),
    "booking.move": ("Move to this time", "この日時に変更する"),
    "booking.rescheduled": (
        "Your consultation was moved. We sent you an email with the new time.",
        "ご相談の日時を変更しました。新しい日時をメールでお送りしました。",
    ),
    "booking.cancel_title": ("Cancel your booking", "ご予約のキャンセル"),
    "booking.cancel_question": (
        "Do you want to cancel this consultation?",
        "このご相談をキャンセルしますか？",
    ),
    "booking.cancel_confirm": ("Yes, cancel it", "キャンセルする"),
    "booking.waitlist_link": (
        "None of these times suit you? Join the waitlist for a day",
        "ご希望の時間がありませんか？ 日にちを指定してキャンセル待ちに登録",
    ),
    "booking.waitlist_join": ("Join the waitlist", "キャンセル待ちに登録する"),
    "booking.waitlist_title": ("Join the waitlist", "キャンセル待ちの登録"),
    "booking.waitlist_hint": (
        "We email you as soon as a time opens on this day.",
        "この日に空きが出ましたら、すぐにメールでお知らせします。",
    ),
    "booking.waitlist_day": ("Day you would like", "ご希望の日"),
    "booking.waitlist_staff": ("With", "担当"),
    "booking.waitlist_back": ("Back to the free times", "空いている日時に戻る"),
    "booking.waitlist_bad_day": (
        "Please choose a day from tomorrow on.",
        "明日以降の日付をお選びください。",
    ),
    "booking.waitlist_joined": (
        "We will email you if a time opens on {day}.",
        "{day} に空きが出ましたら、メールでお知らせします。",
    ),
    "booking.cancelled": (
        "Your consultation was cancelled. We sent you a confirmation email.",
        "ご相談をキャンセルしました。確認メールをお送りしました。",
    ),
    "booking.book_again": ("Book a new time", "新しい日時を予約する"),
    "language.ja": ("Japanese", "日本語"),
    "language.en": ("English", "英語"),
    "speciality.sofas": ("Sofas", "ソファ"),
    "speciality.textiles": ("Textiles", "ファブリック"),
    "speciality.lighting": ("Lighting", "照明"),
    "speciality.dining": ("Dining", "ダイニング"),
    "speciality.storage": ("Storage", "収納"),
    "error.generic": (
        "Something went wrong. Please try again.",
        "エラーが発生しました。もう一度お試しください。",
    ),
}


def _merge(*tables: dict[str, tuple[str, str]]) -> None:
    for table in tables:
        if twice := MESSAGES.keys() & table.keys():
            raise ValueError(f"message keys defined twice: {sorted(twice)}")
        MESSAGES.update(table)


_merge(tour.MESSAGES, admin.MESSAGES, call.MESSAGES, media.MESSAGES, staff.MESSAGES)
_merge(guide_texts.MESSAGES)
_merge(catalogue_texts.MESSAGES)
_merge(commerce_texts.MESSAGES)
_merge(first_use_texts.MESSAGES)
_merge(security_texts.MESSAGES)
_merge(recording_texts.MESSAGES)
_merge(supervision_texts.MESSAGES)


def normalise_language(value: str | None) -> str:
    """Pick ja or en from a language tag or an Accept-Language header ("en-GB,en;q=0.9")."""
    for part in (value or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


def t(lang: str, key: str) -> str:
    english, japanese = MESSAGES[key]
    return japanese if lang == "ja" else english


def catalogue(lang: str) -> dict[str, str]:
    """All strings of one language, as the page state carries them."""
    index = 1 if lang == "ja" else 0
    return {key: pair[index] for key, pair in MESSAGES.items()}


def viewer_texts(lang: str) -> dict[str, str]:
    """Photo Sphere Viewer's `lang` option in one language."""
    return {key[4:]: text for key, text in catalogue(lang).items() if key.startswith("psv.")}


def format_price(amount: int, currency: str) -> str:
    """`amount` in minor units: 248000 JPY → ¥248,000; 1999 USD → $19.99."""
    symbol = SYMBOLS.get(currency, currency + " ")
    if currency in ZERO_DECIMAL:
        return f"{symbol}{amount:,}"
    return f"{symbol}{amount // 100:,}.{amount % 100:02d}"
