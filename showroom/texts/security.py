"""Refusals from the hardening layer: uploads, throttled logins, handed-on calls.

key: (English, Japanese); merged into `showroom.i18n.MESSAGES`.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    "upload.too_large": (
        "The upload is larger than this form accepts.",
        "アップロードがこのフォームの上限を超えています。",
    ),
    "upload.unknown": (
        "Uploads are not accepted here.",
        "ここではアップロードを受け付けていません。",
    ),
    "auth.throttled": (
        "Too many failed logins. Try again in {seconds} seconds.",
        "ログインの失敗が続いたため、{seconds}秒後にもう一度お試しください。",
    ),
    "staff.feed_rotate": ("New calendar link", "カレンダーのリンクを新しくする"),
    "staff.feed_help": (
        "A link works for a year. A new one stops the old one (if it was shared by mistake).",
        "リンクの有効期間は1年です。新しくすると古いリンクは使えなくなります（誤って共有した場合など）。",
    ),
    "call.handed_on": (
        "This call is now with a colleague; you can no longer act on it.",
        "この通話は別のスタッフに引き継がれたため、操作できません。",
    ),
}
