"""The store admin's catalogue page: products, prices, stock, CSV import, the POS/ERP API.

key: (English, Japanese); merged into `showroom.i18n.MESSAGES`. `catalogue_reason.<code>` explains
a refused edit or CSV row by the code `showroom.catalogue.products` gives it.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    "catalogue.title": ("Products and stock", "商品と在庫"),
    "catalogue.intro": (
        "Edit a row and press Save: tours show the change at once.",
        "行を編集して「保存」を押すと、ツアーにすぐ反映されます。",
    ),
    "catalogue.back_to_admin": ("Store admin", "店舗管理"),
    "catalogue.sku": ("SKU", "品番（SKU）"),
    "catalogue.name": ("Name (English / Japanese)", "商品名（英語／日本語）"),
    "catalogue.name_en": ("Name in English", "英語の商品名"),
    "catalogue.name_ja": ("Name in Japanese", "日本語の商品名"),
    "catalogue.description": ("Description (English / Japanese)", "説明（英語／日本語）"),
    "catalogue.description_en": ("Description in English", "英語の説明"),
    "catalogue.description_ja": ("Description in Japanese", "日本語の説明"),
    "catalogue.price": ("Price", "価格"),
    "catalogue.stock": ("Stock", "在庫"),
    "catalogue.stock_in": ("Stock in", "在庫："),
    "catalogue.save": ("Save", "保存"),
    "catalogue.saved": ("Saved", "保存しました"),
    "catalogue.unchanged": ("No change", "変更なし"),
    "catalogue.no_products": (
        "No products yet: import a CSV file.",
        "商品がまだありません。CSVを取り込んでください。",
    ),
    "catalogue.import_title": ("Import from CSV", "CSVから取り込む"),
    "catalogue.import_help": (
        "Columns: sku, name_en, name_ja, description_en, description_ja, price, currency, "
        "stock_<store>. Empty cells leave values as they are; a new SKU adds a product. "
        "UTF-8 or Shift_JIS, up to 2 MB. Good rows are saved; the others are listed below.",
        "列：sku, name_en, name_ja, description_en, description_ja, price, currency, "
        "stock_<店舗>。空欄は変更しません。新しいSKUは商品として追加されます。"
        "UTF-8またはShift_JIS、2MBまで。正しい行は保存され、それ以外は下に一覧表示されます。",
    ),
    "catalogue.choose_file": (
        "Choose a CSV file or drop it here",
        "CSVファイルを選ぶか、ここにドロップ",
    ),
    "catalogue.import": ("Import", "取り込む"),
    "catalogue.download": ("Download the catalogue as CSV", "カタログをCSVでダウンロード"),
    "catalogue.import_done": ("Import finished", "取り込みが完了しました"),
    "catalogue.created": ("added", "件追加"),
    "catalogue.updated": ("updated", "件更新"),
    "catalogue.unchanged_rows": ("unchanged", "件変更なし"),
    "catalogue.rejected": ("Rows not imported", "取り込まれなかった行"),
    "catalogue.row": ("Row", "行"),
    "catalogue.reason": ("Reason", "理由"),
    "catalogue.file_refused": (
        "The file was not imported; nothing was changed.",
        "ファイルは取り込まれず、何も変更されていません。",
    ),
    "catalogue.api_title": ("API for POS and ERP systems", "POS・ERP連携API"),
    "catalogue.api_help": (
        "Store systems set stock and prices over HTTP with the API key. PUT sets a value, so a "
        "repeated request changes nothing more.",
        "店舗システムはAPIキーを使ってHTTPで在庫と価格を更新します。PUTは値を設定するため、"
        "同じリクエストを繰り返しても結果は変わりません。",
    ),
    "catalogue.api_key": ("API key", "APIキー"),
    "catalogue.reveal": ("Show the key", "キーを表示"),
    "catalogue.hide": ("Hide the key", "キーを隠す"),
    "catalogue.key_hidden": (
        "Hidden. It is kept on the server (data/api_key); keep it secret.",
        "非表示。サーバー（data/api_key）に保存されています。秘密にしてください。",
    ),
    "catalogue.schema": ("OpenAPI description", "OpenAPI仕様"),
    "catalogue_reason.invalid_price": (
        "The price is not a valid amount for the currency (JPY has no decimals).",
        "価格が通貨に合っていません（円に小数はありません）。",
    ),
    "catalogue_reason.invalid_quantity": (
        "Stock must be a whole number from 0 to 1,000,000.",
        "在庫は0〜1,000,000の整数で入力してください。",
    ),
    "catalogue_reason.missing_name_en": ("The English name is empty.", "英語の商品名が空です。"),
    "catalogue_reason.missing_price": (
        "A new product needs a price.",
        "新しい商品には価格が必要です。",
    ),
    "catalogue_reason.missing_sku": ("The SKU is empty.", "SKUが空です。"),
    "catalogue_reason.invalid_sku": (
        "A SKU is 1 to 64 letters, digits, '.', '_' or '-'.",
        "SKUは1〜64文字の英数字・「.」「_」「-」です。",
    ),
    "catalogue_reason.too_long": ("A text is too long.", "文字数が多すぎます。"),
    "catalogue_reason.currency_mismatch": (
        "The currency differs from the product's.",
        "通貨が商品の通貨と異なります。",
    ),
    "catalogue_reason.unknown_currency": ("Unknown currency.", "不明な通貨です。"),
    "catalogue_reason.duplicate_sku": (
        "This SKU is on an earlier row too.",
        "このSKUは前の行にもあります。",
    ),
    "catalogue_reason.extra_cells": (
        "This row has more cells than the header.",
        "この行は見出しより列が多すぎます。",
    ),
    "catalogue_reason.unknown_sku": ("No product has this SKU.", "このSKUの商品はありません。"),
    "catalogue_reason.unknown_store": ("No such store.", "その店舗はありません。"),
    "catalogue_reason.empty": ("The file is empty.", "ファイルが空です。"),
    "catalogue_reason.missing_sku_column": (
        "The first row must name the columns, including 'sku'.",
        "1行目に「sku」を含む列名が必要です。",
    ),
    "catalogue_reason.duplicate_column": ("A column is named twice.", "同じ列名が2回あります。"),
    "catalogue_reason.unknown_column": (
        "The header has an unknown column.",
        "見出しに不明な列があります。",
    ),
    "catalogue_reason.malformed": ("The file is not valid CSV.", "CSVの形式が正しくありません。"),
    "catalogue_reason.encoding": (
        "The file is neither UTF-8 nor Shift_JIS text.",
        "ファイルがUTF-8でもShift_JISでもありません。",
    ),
    "catalogue_reason.too_large": ("The file is over 2 MB.", "ファイルが2MBを超えています。"),
    "catalogue_reason.too_many_rows": (
        "The file has more than 10,000 rows.",
        "ファイルが10,000行を超えています。",
    ),
    "catalogue_reason.not_csv": ("Choose a .csv file.", ".csvファイルを選んでください。"),
}
