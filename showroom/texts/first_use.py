"""Strings added when fixing what a first-time user hit (issue 14)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (English, Japanese)
    "admin_error.bad_choice": (
        "That choice is not in the list; please pick again.",
        "選択肢にない値です。もう一度選んでください。",
    ),
    # Before the queue: the caller's optional name and language (tour)
    "intro.title": ("Before we connect you", "おつなぎする前に"),
    "intro.help": (
        "So that staff can greet you by name. Both are optional.",
        "スタッフがお名前でご案内できるように。どちらも任意です。",
    ),
    "intro.name": ("Your name (optional)", "お名前（任意）"),
    "intro.language": ("Language for the call", "通話の言語"),
    "intro.start": ("Join the queue", "順番待ちに入る"),
    "intro.cancel": ("Cancel", "キャンセル"),
    "intro.invalid": (
        "That name cannot be used; please type it again.",
        "そのお名前は使えません。もう一度入力してください。",
    ),
    "intro.name_too_long": (
        "A name has at most 120 characters.",
        "お名前は120文字以内で入力してください。",
    ),
    "intro.language_unknown": (
        "Choose English or Japanese.",
        "英語か日本語を選んでください。",
    ),
    "context.language": ("Language", "言語"),
    # Who the customer talks to (call page)
    "call.talking_with": ("You are talking with", "担当スタッフ"),
    "call.waiting_for_named": ("Waiting for", "お待ちのスタッフ"),
    "media.waiting_for_named": ("Waiting for {name} to join…", "{name}の参加を待っています…"),
    # After the call (the customer's summary)
    "after.spoke_with": ("You spoke with", "担当"),
    "after.products": ("Products shown", "ご紹介した商品"),
    "after.orders": ("Your orders", "ご注文"),
    "after.book_again": ("Book another consultation", "もう一度予約する"),
}
