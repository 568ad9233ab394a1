"""The store admin pages: panoramas, hotspots, products and stock, staff accounts.

key: (English, Japanese); merged into `showroom.i18n.MESSAGES`.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # Tour authoring (/admin)
    "admin.nav": ("Store admin", "店舗管理"),
    "admin.title": ("Store admin: tour", "店舗管理：ツアー"),
    "admin.catalogue_link": ("Products and stock", "商品と在庫"),
    "admin.upload_title": ("Add scenes", "シーンを追加"),
    "admin.upload_hint": (
        "Upload equirectangular panoramas: JPEG or PNG, twice as wide as tall (2:1), "
        "at least 2048 × 1024 pixels, up to 100 MB each. Each becomes a new scene once it "
        "is processed; you can keep working meanwhile.",
        "正距円筒図法のパノラマ（JPEGまたはPNG、横縦比2:1、2048×1024ピクセル以上、"
        "1ファイル100MBまで）をアップロードしてください。処理が終わると新しいシーンになります。"
        "処理中も作業を続けられます。",
    ),
    "admin.scene_name": ("Scene name", "シーン名"),
    "admin.scene_name_hint": (
        "Optional: the file name is used if empty",
        "省略時はファイル名を使います",
    ),
    "admin.drop": (
        "Drop panoramas here, or click to choose files",
        "ここにパノラマをドロップ、またはクリックしてファイルを選択",
    ),
    "admin.upload": ("Upload", "アップロード"),
    "admin.uploading": ("Uploading…", "アップロード中…"),
    "admin.no_file": ("Choose a panorama file first.", "先にパノラマのファイルを選んでください。"),
    "admin.file_rejected": (
        "Only JPEG or PNG files up to 100 MB can be uploaded.",
        "アップロードできるのは100MBまでのJPEGまたはPNGファイルだけです。",
    ),
    "admin.uploads": ("Uploads", "アップロード状況"),
    "admin.scenes": ("Scenes", "シーン"),
    "admin.no_scenes": (
        "No scenes yet: upload a panorama to start.",
        "まだシーンがありません。パノラマをアップロードしてください。",
    ),
    "admin.hotspots": ("Hotspots", "ホットスポット"),
    "admin.no_hotspots": ("No hotspots yet.", "まだホットスポットがありません。"),
    "admin.edit": ("Edit", "編集"),
    "admin.editing": ("Editing", "編集中"),
    "admin.view_tour": ("Open in the tour", "ツアーで見る"),
    "admin.choose_scene_to_edit": (
        "Choose a scene to edit its hotspots and view.",
        "ホットスポットや表示を編集するシーンを選んでください。",
    ),
    "admin.editor_hint": (
        "Click in the panorama to place a hotspot. Drag a hotspot to move it, click it to "
        "select it. Every change is saved at once and shown to customers.",
        "パノラマをクリックするとホットスポットを配置できます。ドラッグで移動、クリックで選択します。"
        "変更はすぐに保存され、お客様の画面にも反映されます。",
    ),
    "admin.set_view": ("Set initial view here", "ここを初期表示に設定"),
    "admin.set_north": ("Set north here", "ここを北に設定"),
    "admin.initial_view": ("Initial view", "初期表示"),
    "admin.north": ("North", "北"),
    "admin.new_hotspot": ("New hotspot", "新しいホットスポット"),
    "admin.kind_product": ("Product", "商品"),
    "admin.kind_scene": ("Link to a scene", "シーンへのリンク"),
    "admin.choose_product": ("Choose a product", "商品を選択"),
    "admin.choose_scene": ("Choose a scene", "シーンを選択"),
    "admin.both_ways": ("Also add the way back", "戻りのリンクも追加"),
    "admin.place": ("Place hotspot", "ホットスポットを配置"),
    "admin.cancel": ("Cancel", "キャンセル"),
    "admin.selected": ("Selected hotspot", "選択中のホットスポット"),
    "admin.delete": ("Delete", "削除"),
    "admin.saved_hotspot": ("Hotspot saved.", "ホットスポットを保存しました。"),
    "admin.saved_link": ("Scenes linked.", "シーンをリンクしました。"),
    "admin.saved_move": ("Hotspot moved.", "ホットスポットを移動しました。"),
    "admin.saved_delete": ("Hotspot deleted.", "ホットスポットを削除しました。"),
    "admin.saved_view": ("Initial view saved.", "初期表示を保存しました。"),
    "admin.saved_north": ("North saved.", "北の方向を保存しました。"),
    "admin.rename": ("Rename", "名前を変更"),
    "admin.name_en": ("Name in English", "英語の名前"),
    "admin.name_ja": ("Name in Japanese", "日本語の名前"),
    "admin.save": ("Save", "保存"),
    "admin.saved_name": ("Scene renamed.", "シーン名を変更しました。"),
    "admin.view_value": (
        "facing {yaw}°, {pitch}° up, zoom {zoom}",
        "方向 {yaw}度・上下 {pitch}度・ズーム {zoom}",
    ),
    "admin.north_value": ("at {yaw}° in this panorama", "このパノラマの{yaw}度の方向"),
    # Upload job states
    "admin_job.queued": ("Waiting", "待機中"),
    "admin_job.running": ("Processing", "処理中"),
    "admin_job.done": ("Ready", "完了"),
    "admin_job.failed": ("Failed", "失敗"),
    # Why an upload failed (codes of showroom.tours.panorama.upload and .jobs)
    "admin_job.not_image": (
        "This file is not a JPEG or PNG image.",
        "このファイルはJPEGまたはPNG画像ではありません。",
    ),
    "admin_job.truncated": (
        "The image file is damaged or incomplete; please upload it again.",
        "画像ファイルが壊れているか不完全です。もう一度アップロードしてください。",
    ),
    "admin_job.aspect_ratio": (
        "A panorama must be twice as wide as it is tall (2:1).",
        "パノラマは横幅が高さのちょうど2倍（2:1）である必要があります。",
    ),
    "admin_job.too_small": (
        "The panorama is too small: it must be at least 2048 × 1024 pixels.",
        "パノラマが小さすぎます。2048×1024ピクセル以上が必要です。",
    ),
    "admin_job.decompression_bomb": (
        "The image has too many pixels (at most 16384 × 8192).",
        "画像のピクセル数が多すぎます（最大16384×8192）。",
    ),
    "admin_job.too_large": (
        "The file is too large (100 MB at most).",
        "ファイルが大きすぎます（最大100MB）。",
    ),
    "admin_job.interrupted": (
        "Processing was interrupted by a server restart; please upload it again.",
        "サーバーの再起動で処理が中断されました。もう一度アップロードしてください。",
    ),
    "admin_job.internal": (
        "The panorama could not be processed; please try again.",
        "パノラマを処理できませんでした。もう一度お試しください。",
    ),
    "admin_job.invalid": (
        "This image cannot be used as a panorama.",
        "この画像はパノラマとして使えません。",
    ),
    # Refused authoring changes (codes of showroom.tours.authoring)
    "admin_error.invalid_yaw": ("That direction is not valid.", "その方向は無効です。"),
    "admin_error.invalid_pitch": (
        "That height is not valid (from straight down to straight up).",
        "その高さは無効です（真下から真上までの範囲）。",
    ),
    "admin_error.invalid_zoom": (
        "That zoom is not valid (0 to 100).",
        "ズームが無効です（0〜100）。",
    ),
    "admin_error.name_missing": ("The scene needs a name.", "シーン名を入力してください。"),
    "admin_error.name_too_long": (
        "A scene name has at most 200 characters.",
        "シーン名は200文字以内にしてください。",
    ),
    "admin_error.unknown_scene": (
        "That scene no longer exists; the page has been refreshed.",
        "そのシーンはもう存在しません。ページを更新しました。",
    ),
    "admin_error.unknown_hotspot": (
        "That hotspot no longer exists; the page has been refreshed.",
        "そのホットスポットはもう存在しません。ページを更新しました。",
    ),
    "admin_error.unknown_product": (
        "That product no longer exists.",
        "その商品はもう存在しません。",
    ),
    "admin_error.choose_target": (
        "Choose a product or a scene for the hotspot first.",
        "先にホットスポットの商品またはシーンを選んでください。",
    ),
    "admin_error.link_to_itself": (
        "A scene cannot link to itself: choose another scene.",
        "シーン自身にはリンクできません。別のシーンを選んでください。",
    ),
}
