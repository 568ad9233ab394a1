"""Call recording: the consent notice, the badge, staff controls, the library and player.

key: (English, Japanese); merged into `showroom.i18n.MESSAGES`.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # The notice and consent (customer)
    "recording.notice_title": ("This call will be recorded", "この通話を録音・録画します"),
    "recording.notice_again_title": ("This call is being recorded", "この通話は録音・録画中です"),
    "recording.notice_who": ("Recorded by: {who}", "録音・録画する者：{who}"),
    "recording.notice_why": ("Why: {purpose}", "目的：{purpose}"),
    "recording.notice_keep": (
        "Kept for {days} days, then deleted automatically.",
        "保存期間は{days}日間で、その後自動的に削除されます。",
    ),
    "recording.notice_help": (
        "If you decline, the call goes on without recording.",
        "お断りいただいても、録音・録画なしで通話を続けられます。",
    ),
    "recording.default_purpose": (
        "to keep a record of the advice given and to train our staff",
        "ご案内内容の記録とスタッフの研修のため",
    ),
    "recording.accept": ("Accept recording", "録音・録画に同意する"),
    "recording.decline": ("Decline", "同意しない"),
    "recording.you_declined": (
        "You declined: this call is not recorded.",
        "同意されなかったため、この通話は録音・録画されません。",
    ),
    # The badge (both sides)
    "recording.badge": ("Recording", "録音・録画中"),
    "recording.asking": ("Asking the customer…", "お客様に確認中…"),
    # Staff controls
    "recording.start": ("Start recording", "録音・録画を開始"),
    "recording.stop": ("Stop recording", "録音・録画を停止"),
    "recording.declined_staff": (
        "The customer declined recording. The call goes on unrecorded.",
        "お客様が録音・録画に同意されませんでした。録音・録画なしで通話を続けます。",
    ),
    "recording.failed_staff": (
        "Recording stopped: the file could not be written. The call goes on.",
        "ファイルを書き込めないため録音・録画を停止しました。通話は続いています。",
    ),
    "recording.stopped": ("Recording stopped", "録音・録画を停止しました"),
    "recording.late_notice": (
        "This call is being recorded (the customer agreed).",
        "この通話は録音・録画中です（お客様の同意済み）。",
    ),
    # Errors
    "recording.call_not_live": (
        "Recording is only possible during a live call.",
        "録音・録画は通話中のみ可能です。",
    ),
    "recording.already": (
        "This call is already being recorded.",
        "この通話はすでに録音・録画中です。",
    ),
    "recording.not_this_call": (
        "That answer is not for this call.",
        "この通話に対する回答ではありません。",
    ),
    "recording.no_longer_asked": (
        "That recording request is no longer open.",
        "その録音・録画の確認はすでに終了しています。",
    ),
    "recording.not_started": ("Nothing is being recorded.", "録音・録画は行われていません。"),
    "recording.unavailable": (
        "Recording is not available on this server.",
        "このサーバーでは録音・録画を利用できません。",
    ),
    "recording.purpose_too_long": (
        "The purpose may have at most 1000 characters.",
        "目的は1000文字以内で入力してください。",
    ),
    "recording.retention_invalid": (
        "Keep recordings between 1 and 3650 days.",
        "保存期間は1〜3650日で指定してください。",
    ),
    "recording.reason_required": ("Give a reason for deleting.", "削除の理由を入力してください。"),
    "recording.reason_too_long": (
        "The reason may have at most 300 characters.",
        "理由は300文字以内で入力してください。",
    ),
    "recording.on_hold": (
        "This recording is on legal hold and cannot be deleted.",
        "この録画はリーガルホールド中のため削除できません。",
    ),
    "recording.still_running": (
        "This recording is still running.",
        "この録画はまだ記録中です。",
    ),
    "recording.already_deleted": ("Already deleted.", "すでに削除されています。"),
    # Chat lines
    "chat.event_recording_started": ("Recording started", "録音・録画を開始しました"),
    "chat.event_recording_stopped": ("Recording stopped", "録音・録画を停止しました"),
    "chat.event_recording_declined": (
        "declined recording; the call goes on unrecorded",
        "録音・録画に同意されませんでした。録音・録画なしで続けます",
    ),
    "chat.event_recording_failed": (
        "Recording stopped (write error)",
        "録音・録画が停止しました（書き込みエラー）",
    ),
    # Library
    "recordings.title": ("Recordings", "録画一覧"),
    "recordings.link": ("Recordings", "録画一覧"),
    "recordings.one": ("Recording", "録画"),
    "recordings.from": ("From", "開始日"),
    "recordings.until": ("Until", "終了日"),
    "recordings.staff": ("Staff", "スタッフ"),
    "recordings.anyone": ("Anyone", "全員"),
    "recordings.outcome": ("Outcome", "結果"),
    "recordings.any_outcome": ("Any outcome", "すべての結果"),
    "recordings.no_outcome": ("Not recorded", "未入力"),
    "recordings.order": ("Order", "注文"),
    "recordings.any_order": ("With or without", "指定なし"),
    "recordings.with_order": ("With an order", "注文あり"),
    "recordings.without_order": ("Without an order", "注文なし"),
    "recordings.filter": ("Show", "表示"),
    "recordings.when": ("When", "日時"),
    "recordings.duration": ("Duration", "長さ"),
    "recordings.participants": ("Participants", "参加者"),
    "recordings.consent": ("Consent", "同意"),
    "recording.consent_given": ("Agreed", "同意"),
    "recordings.interrupted": ("Interrupted", "中断"),
    "recordings.failed": ("Stopped by an error", "エラーで停止"),
    "recordings.deleted": ("Deleted", "削除済み"),
    "recordings.hold": ("Legal hold", "リーガルホールド"),
    "recordings.empty": ("No recordings match.", "該当する録画はありません。"),
    "recordings.play": ("Play", "再生"),
    "recordings.back": ("All recordings", "録画一覧へ"),
    "recordings.timeline": ("Timeline", "タイムライン"),
    "recordings.timeline_empty": ("Nothing else happened.", "記録された出来事はありません。"),
    "recordings.customer_side": ("Customer", "お客様"),
    "recordings.staff_side": ("Staff", "スタッフ"),
    "recordings.no_media": ("No media for this side.", "この側の映像はありません。"),
    "recordings.download": ("Download", "ダウンロード"),
    "recordings.set_hold": ("Put on legal hold", "リーガルホールドにする"),
    "recordings.release_hold": ("Release legal hold", "リーガルホールドを解除"),
    "recordings.delete": ("Delete now", "今すぐ削除"),
    "recordings.delete_reason": (
        "Reason (e.g. the customer asked)",
        "理由（例：お客様からの依頼）",
    ),
    "recordings.deleted_note": (
        "This recording's media was deleted.",
        "この録画のデータは削除されました。",
    ),
    "recordings.not_found": (
        "No such recording, or you may not see it.",
        "録画が見つからないか、閲覧する権限がありません。",
    ),
    "recordings.deletion_log": ("Deletion log", "削除履歴"),
    "recordings.by_retention": ("retention rule", "保存期間の規定"),
    "recordings.settings": ("Recording rules", "録音・録画の設定"),
    "recordings.purpose_en": ("Purpose shown to customers (English)", "お客様に示す目的（英語）"),
    "recordings.purpose_ja": (
        "Purpose shown to customers (Japanese)",
        "お客様に示す目的（日本語）",
    ),
    "recordings.retention_days": ("Keep recordings (days)", "保存期間（日）"),
    "recordings.auto_start": (
        "Ask to record every call when staff join",
        "スタッフの参加時に毎回録音・録画を確認する",
    ),
    "recordings.staff_see_own": (
        "Staff may play their own calls",
        "スタッフは自分の通話を再生できる",
    ),
    "recordings.staff_may_download": ("Staff may download", "スタッフはダウンロードできる"),
    "recordings.save": ("Save rules", "設定を保存"),
    "recordings.saved": ("Saved.", "保存しました。"),
    "timeline.card": ("Product card", "商品カード"),
    "timeline.payment": ("Payment requested", "支払いリクエスト"),
    "timeline.paid": ("Paid", "支払い完了"),
}
