"""The call's media panel: lobby, devices, call controls, connection quality, recovery.

key: (English, Japanese); merged into `showroom.i18n.MESSAGES`. The panel
(`assets/call_video.jsx`) gets the page's whole catalogue and reads the `media.*` keys.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # Lobby
    "media.join": ("Join now", "今すぐ参加"),
    "media.join_audio_only": ("Join with audio only", "音声のみで参加"),
    "media.camera": ("Camera", "カメラ"),
    "media.microphone": ("Microphone", "マイク"),
    "media.mic_level": ("Microphone level", "マイクの音量"),
    "media.default_device": ("Default", "既定"),
    "media.you": ("You", "あなた"),
    "media.starting_camera": ("Starting your camera…", "カメラを起動しています…"),
    "media.camera_blocked": (
        "Your browser is blocking the camera.",
        "ブラウザがカメラへのアクセスをブロックしています。",
    ),
    "media.camera_missing": ("No camera was found.", "カメラが見つかりません。"),
    "media.camera_busy": (
        "The camera is in use by another app.",
        "カメラは別のアプリで使用中です。",
    ),
    "media.mic_blocked": (
        "Your browser is blocking the microphone.",
        "ブラウザがマイクへのアクセスをブロックしています。",
    ),
    "media.mic_missing": ("No microphone was found.", "マイクが見つかりません。"),
    "media.mic_busy": (
        "The microphone is in use by another app.",
        "マイクは別のアプリで使用中です。",
    ),
    "media.how_to_allow": (
        "To allow it, click the icon at the left of the address bar, allow access for this "
        "site, then reload the page.",
        "許可するには、アドレスバー左側のアイコンをクリックしてこのサイトへのアクセスを許可し、"
        "ページを再読み込みしてください。",
    ),
    "media.audio_only_hint": (
        "You can still join with audio only.",
        "音声のみで参加することもできます。",
    ),
    "media.listen_only_hint": (
        "You can still join to listen and chat.",
        "聞くこととチャットだけで参加することもできます。",
    ),
    # In the call
    "media.connecting": ("Connecting…", "接続中…"),
    "media.waiting_for_other": (
        "Waiting for the other side to join…",
        "相手の参加を待っています…",
    ),
    "media.reconnecting": ("Connection lost. Reconnecting…", "接続が切れました。再接続中…"),
    "media.reconnected": ("Reconnected", "再接続しました"),
    "media.failed": ("Could not join the call", "通話に参加できませんでした"),
    "media.mute": ("Mute", "ミュート"),
    "media.unmute": ("Unmute", "ミュート解除"),
    "media.camera_off": ("Turn camera off", "カメラをオフ"),
    "media.camera_on": ("Turn camera on", "カメラをオン"),
    "media.audio_only": ("Audio only", "音声のみ"),
    "media.video_on": ("Turn video back on", "ビデオを再開"),
    "media.devices": ("Devices", "デバイス"),
    "media.leave": ("Leave", "退出"),
    "media.enable_sound": ("Turn on sound", "音声をオンにする"),
    "media.peer_joined": ("{name} joined the call.", "{name}が通話に参加しました。"),
    "media.peer_left": ("{name} left the call.", "{name}が通話から退出しました。"),
    "media.other_person": ("The other person", "相手の方"),
    "media.peer_muted": ("Muted", "ミュート中"),
    "media.peer_camera_off": ("Camera off", "カメラオフ"),
    "media.peer_audio_only": ("Audio only", "音声のみ"),
    "media.quality": ("Connection", "接続状態"),
    "media.quality_good": ("Good connection", "接続良好"),
    "media.quality_fair": ("Unstable connection", "接続が不安定です"),
    "media.quality_poor": ("Poor connection", "接続が悪い状態です"),
    "media.quality_unknown": ("Measuring the connection…", "接続状態を確認中…"),
    # After the call, or instead of it
    "media.left": ("You left the call.", "通話から退出しました。"),
    "media.rejoin": ("Rejoin", "再参加"),
    "media.ended": ("This consultation has ended.", "この相談は終了しました。"),
    "media.superseded": (
        "This call is now open in another tab or window.",
        "この通話は別のタブまたはウィンドウで開かれています。",
    ),
    "media.take_over": ("Use this tab instead", "このタブで続ける"),
}
