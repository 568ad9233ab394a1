"""Paying in a call and after: the pay page, pickup or delivery, card declines, 3-D Secure,
the receipt mail, the order page, order lists and refunds.

key: (English, Japanese); merged into `showroom.i18n.MESSAGES`.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # Cart and payment request (both call pages)
    "cart.out_of_stock": (
        "Not enough in stock; another customer may be paying for it:",
        "在庫が足りません。他のお客様がお支払い中の可能性があります：",
    ),
    "pay.not_expired": (
        "This payment request is still open.",
        "このお支払いのご依頼はまだ有効です。",
    ),
    "pay.state_awaiting": ("Waiting for payment", "お支払い待ち"),
    "pay.state_declined": (
        "Card declined; the customer is trying again",
        "カードが承認されませんでした。お客様が再度お試し中です",
    ),
    "pay.state_declined_customer": (
        "Your card was declined. You can try another card.",
        "カードが承認されませんでした。別のカードでお試しいただけます。",
    ),
    "pay.state_paid": ("Paid · order", "お支払い完了・注文番号"),
    "pay.state_expired": ("This payment request expired", "このお支払いのご依頼は期限切れです"),
    "pay.state_cancelled": (
        "This payment request was withdrawn",
        "このお支払いのご依頼は取り消されました",
    ),
    "pay.send_again": ("Send again", "もう一度送る"),
    "pay.scan": (
        "Or scan with your phone to pay there",
        "またはスマートフォンで読み取ってお支払い",
    ),
    "pay.refunded": ("Refunded", "返金済み"),
    "pay.pickup": ("Collect in store", "店舗で受け取り"),
    "pay.delivery": ("Delivery", "配送"),
    # Pay page
    "pay.step_receive": ("1. How would you like to receive it?", "1. お受け取り方法"),
    "pay.step_card": ("2. Pay by card", "2. カードでお支払い"),
    "pay.subtotal": ("Subtotal", "小計"),
    "pay.delivery_fee": ("Delivery fee", "配送料"),
    "pay.delivery_free": ("Free", "無料"),
    "pay.tax_included": ("Prices include consumption tax.", "価格はすべて税込です。"),
    "pay.pickup_where": ("Store", "受け取り店舗"),
    "pay.ready_in": (
        "Ready to collect about {hours} hours after payment.",
        "お支払いから約{hours}時間後にお受け取りいただけます。",
    ),
    "pay.your_name": ("Your name", "お名前"),
    "pay.email": ("Email for the receipt", "領収書の送付先メールアドレス"),
    "pay.country": ("Country", "国・地域"),
    "pay.recipient": ("Recipient's name", "お届け先のお名前"),
    "pay.postal_code": ("Postal code", "郵便番号"),
    "pay.postal_help": ("7 digits, e.g. 107-0062", "7桁（例：107-0062）"),
    "pay.prefecture": ("Prefecture", "都道府県"),
    "pay.region": ("State or region", "州・地域"),
    "pay.city": ("City, ward and town", "市区町村・町名"),
    "pay.line1": ("Street and number", "番地"),
    "pay.line2": ("Building and room (optional)", "建物名・部屋番号（任意）"),
    "pay.phone": ("Phone", "電話番号"),
    "pay.choose_prefecture": ("Choose…", "選択してください"),
    "pay.continue": ("Continue to payment", "お支払いへ進む"),
    "pay.change": ("Change", "変更"),
    "pay.expires": (
        "Your items are held for you until",
        "商品は次の時刻までお取り置きしています：",
    ),
    "pay.expired": (
        "This payment request has expired and the items are no longer held. Please ask the "
        "member of staff to send it again.",
        "このお支払いのご依頼は期限が切れ、商品のお取り置きも終了しました。スタッフにもう一度"
        "送るようお伝えください。",
    ),
    "pay.cancelled": (
        "This payment request was withdrawn by the store.",
        "このお支払いのご依頼は店舗により取り消されました。",
    ),
    "pay.order_number": ("Order number", "注文番号"),
    "pay.receipt_sent": (
        "A receipt is on its way to your email.",
        "領収書をメールでお送りします。",
    ),
    "pay.authenticating": (
        "Confirm the payment with your bank…",
        "カード会社の認証を行ってください…",
    ),
    "pay.try_again": (
        "We could not reach the payment service. Nothing was charged; please try again in a moment.",
        "決済サービスに接続できませんでした。請求は発生していません。少し時間をおいてもう一度お試しください。",
    ),
    "pay.unavailable": (
        "Card payment is not available right now. Please ask the member of staff.",
        "現在カード決済をご利用いただけません。スタッフにお問い合わせください。",
    ),
    "pay.choose_fulfilment": (
        "Choose how to receive your order first.",
        "先にお受け取り方法をお選びください。",
    ),
    "pay.still_waiting": (
        "The payment is taking longer than usual. This page updates by itself; you can also come "
        "back later from the link.",
        "お支払いの確認に時間がかかっています。このページは自動で更新されます。後ほどリンクから"
        "ご確認いただくこともできます。",
    ),
    "pay.try_again_button": ("Try again", "もう一度試す"),
    "country.jp": ("Japan", "日本"),
    "country.kr": ("South Korea", "韓国"),
    "country.tw": ("Taiwan", "台湾"),
    "country.cn": ("China", "中国"),
    "country.hk": ("Hong Kong", "香港"),
    "country.sg": ("Singapore", "シンガポール"),
    "country.us": ("United States", "アメリカ合衆国"),
    "country.ca": ("Canada", "カナダ"),
    "country.gb": ("United Kingdom", "イギリス"),
    "country.fr": ("France", "フランス"),
    "country.de": ("Germany", "ドイツ"),
    "country.au": ("Australia", "オーストラリア"),
    # Card form (localstripe's offline form; Stripe's own form has its own texts)
    "card.number": ("Card number", "カード番号"),
    "card.exp_month": ("MM", "月"),
    "card.exp_year": ("YY", "年"),
    "card.cvc": ("CVC", "セキュリティコード"),
    "card.test_mode": (
        "Test mode: no real card is charged.",
        "テストモード：実際のカードには請求されません。",
    ),
    # Declines and errors, in the customer's words
    "decline.generic": (
        "Your card was declined. Please try another card or contact your card issuer.",
        "カードが承認されませんでした。別のカードをお試しいただくか、カード会社にお問い合わせください。",
    ),
    "decline.call_issuer": (
        "Your card was declined. Please contact your card issuer, or try another card.",
        "カードが承認されませんでした。カード会社にお問い合わせいただくか、別のカードをお試しください。",
    ),
    "decline.insufficient_funds": (
        "Your card has insufficient funds. Please try another card.",
        "カードの利用可能額が不足しています。別のカードをお試しください。",
    ),
    "decline.limit": (
        "Your card's limit has been reached. Please try another card.",
        "カードの利用限度額に達しています。別のカードをお試しください。",
    ),
    "decline.expired_card": (
        "Your card has expired. Please use another card.",
        "カードの有効期限が切れています。別のカードをご利用ください。",
    ),
    "decline.incorrect_cvc": (
        "The security code is not correct.",
        "セキュリティコードが正しくありません。",
    ),
    "decline.incorrect_number": (
        "The card number is not correct.",
        "カード番号が正しくありません。",
    ),
    "decline.invalid_expiry": ("The expiry date is not valid.", "有効期限が正しくありません。"),
    "decline.incomplete": (
        "Please fill in all the card details.",
        "カード情報をすべて入力してください。",
    ),
    "decline.not_supported": (
        "This card cannot be used here. Please try another card.",
        "このカードはご利用いただけません。別のカードをお試しください。",
    ),
    "decline.processing_error": (
        "The card could not be processed. Please try again.",
        "カードの処理中にエラーが発生しました。もう一度お試しください。",
    ),
    "decline.authentication": (
        "The payment was not confirmed with your bank. Please try again or use another card.",
        "カード会社での認証が完了しませんでした。もう一度お試しいただくか、別のカードをご利用ください。",
    ),
    "decline.check_details": (
        "Please check the card number, expiry date and security code.",
        "カード番号・有効期限・セキュリティコードをご確認ください。",
    ),
    "decline.general": (
        "The payment did not go through. Please check the card details or try another card.",
        "お支払いが完了しませんでした。カード情報をご確認いただくか、別のカードをお試しください。",
    ),
    # Fulfilment form errors
    "fulfil.required": ("Please fill this in.", "入力してください。"),
    "fulfil.too_long": ("This is too long.", "長すぎます。"),
    "fulfil.country_unknown": (
        "We do not deliver to this country.",
        "この国・地域へはお届けできません。",
    ),
    "fulfil.postal_invalid": (
        "Enter the postal code as 7 digits, e.g. 107-0062.",
        "郵便番号は7桁で入力してください（例：107-0062）。",
    ),
    "fulfil.postal_unknown": ("This postal code does not exist.", "この郵便番号は存在しません。"),
    "fulfil.postal_other_prefecture": (
        "This postal code belongs to another prefecture.",
        "この郵便番号は別の都道府県のものです。",
    ),
    "fulfil.prefecture_required": ("Choose the prefecture.", "都道府県を選択してください。"),
    "fulfil.phone_invalid": (
        "Enter a phone number we can call, e.g. 03-1234-5678.",
        "連絡可能な電話番号を入力してください（例：03-1234-5678）。",
    ),
    "fulfil.email_invalid": (
        "Enter a valid email address for the receipt.",
        "領収書送付用の有効なメールアドレスを入力してください。",
    ),
    "fulfil.no_pickup": (
        "This store does not offer pickup.",
        "この店舗では店頭受け取りを行っていません。",
    ),
    "fulfil.no_delivery": ("This store does not deliver.", "この店舗では配送を行っていません。"),
    "fulfil.choose": ("Choose pickup or delivery.", "店舗受け取りか配送かをお選びください。"),
    # Receipt mail
    "receipt.subject": (
        "{store}: your order #{number} and receipt",
        "【{store}】ご注文の確認と領収書（注文番号 #{number}）",
    ),
    "receipt.greeting": ("Dear {name},", "{name}様"),
    "receipt.customer": ("customer", "お客"),
    "receipt.intro": (
        "Thank you for your order. We have received your payment.",
        "このたびはご注文いただき誠にありがとうございます。お支払いを確認いたしました。",
    ),
    "receipt.title": ("Receipt", "領収書"),
    "receipt.number": ("Order", "注文番号"),
    "receipt.paid_at": ("Paid", "お支払い日時"),
    "receipt.paid_by_card": ("Paid by card", "お支払い方法：クレジットカード"),
    "receipt.subtotal": ("Subtotal", "小計"),
    "receipt.delivery_fee": ("Delivery fee", "配送料"),
    "receipt.total": ("Total (tax included)", "合計（税込）"),
    "receipt.tax_line": (
        "Taxed at {rate}%: {base} (of which consumption tax {tax})",
        "{rate}%対象 {base}（内消費税 {tax}）",
    ),
    "receipt.pickup_at": ("Collect at {store}", "お受け取り店舗：{store}"),
    "receipt.ready_from": ("Ready from {when}", "お受け取り可能日時：{when}以降"),
    "receipt.delivery_to": ("Delivery to:", "お届け先："),
    "receipt.view_order": ("Your order's page (status, receipt):", "ご注文の状況はこちら："),
    # Order page (from the email link)
    "order.title": ("Your order", "ご注文"),
    "order.status": ("Status", "状況"),
    "order.status_paid": ("Paid", "お支払い済み"),
    "order.status_awaiting_payment": ("Waiting for payment", "お支払い待ち"),
    "order.status_expired": ("Payment request expired", "お支払い期限切れ"),
    "order.status_cancelled": ("Cancelled", "取り消し"),
    "order.status_draft": ("Not yet sent", "未送信"),
    "order.refunded": ("Refunded", "返金額"),
    "order.fully_refunded": ("Fully refunded", "全額返金済み"),
    "order.partly_refunded": ("Partly refunded", "一部返金済み"),
    "order.pickup_at": ("Collect at", "受け取り店舗"),
    "order.delivery_to": ("Delivery to", "お届け先"),
    "order.pay_now": ("Go to payment", "お支払いへ"),
    # Order lists (staff and supervisor)
    "orders.title": ("Orders", "注文一覧"),
    "orders.mine": (
        "Orders credited to you or that you helped with",
        "あなたの売上・サポートした注文",
    ),
    "orders.store": ("All orders of the store", "店舗のすべての注文"),
    "orders.none": ("No orders yet.", "まだ注文はありません。"),
    "orders.number": ("Order", "注文"),
    "orders.when": ("Requested", "依頼日時"),
    "orders.customer": ("Customer", "お客様"),
    "orders.total": ("Total", "合計"),
    "orders.status": ("Status", "状況"),
    "orders.credited": ("Credited to", "売上担当"),
    "orders.assisted": ("assisted by", "サポート"),
    "orders.credit_mine": ("Your sale", "あなたの売上"),
    "orders.credit_assisted": ("You assisted", "サポート"),
    "orders.revenue": ("Revenue (net of refunds)", "売上（返金差引後）"),
    "orders.open": ("Open", "開く"),
    "orders.back": ("All orders", "注文一覧へ"),
    "orders.stock_short": (
        "Paid, but not enough stock was left for",
        "お支払い済みですが在庫が不足しています：",
    ),
    "orders.units": ("units", "点"),
    # Refunds
    "refund.title": ("Refund", "返金"),
    "refund.by_line": ("Units to refund per line", "返金する数量（明細ごと）"),
    "refund.or_amount": ("Or an amount", "または金額を指定"),
    "refund.amount": ("Amount", "金額"),
    "refund.reason": ("Reason", "理由"),
    "refund.restock": ("Put the refunded items back in stock", "返金した商品を在庫に戻す"),
    "refund.submit": ("Refund", "返金する"),
    "refund.left": ("Can still be refunded", "返金可能額"),
    "refund.history": ("Refunds", "返金履歴"),
    "refund.status_pending": ("Pending", "処理中"),
    "refund.status_succeeded": ("Refunded", "返金済み"),
    "refund.status_failed": ("Failed", "失敗"),
    "refund.status_canceled": ("Cancelled", "取り消し"),
    "refund.sent": (
        "Refund sent; the order shows it once the payment service confirms it.",
        "返金を送信しました。決済サービスの確認後に注文へ反映されます。",
    ),
    "refund.forbidden": ("You may not refund this order.", "この注文を返金する権限がありません。"),
    "refund.not_paid": (
        "Only paid orders can be refunded.",
        "お支払い済みの注文のみ返金できます。",
    ),
    "refund.reason_required": ("Give a reason for the refund.", "返金の理由を入力してください。"),
    "refund.reason_too_long": (
        "The reason is too long (500 characters at most).",
        "理由が長すぎます（最大500文字）。",
    ),
    "refund.unknown_line": ("That line is not on this order.", "この明細は注文にありません。"),
    "refund.too_many_units": (
        "More units than are left to refund on that line.",
        "その明細で返金できる数量を超えています。",
    ),
    "refund.amount_invalid": (
        "Choose units to refund or enter an amount.",
        "返金する数量または金額を入力してください。",
    ),
    "refund.too_much": ("That is more than can still be refunded.", "返金可能額を超えています。"),
    "refund.unknown": ("This refund does not exist.", "この返金は存在しません。"),
    "refund.try_again": (
        "The payment service could not be reached; the refund is saved. Press Refund again to send it.",
        "決済サービスに接続できませんでした。返金は保存されています。もう一度「返金する」を押して送信してください。",
    ),
    # The store's selling rules (/admin/commerce)
    "rules.title": ("Selling in calls", "通話中の販売設定"),
    "rules.link": ("Selling rules", "販売設定"),
    "rules.hold_minutes": (
        "Minutes a payment request holds the stock",
        "お支払い依頼で在庫を確保する時間（分）",
    ),
    "rules.pickup_enabled": ("Customers may collect in store", "店舗受け取りを受け付ける"),
    "rules.pickup_ready_hours": (
        "Hours after payment until an order is ready to collect",
        "お支払いから受け取り可能になるまでの時間（時間）",
    ),
    "rules.delivery_enabled": ("We deliver", "配送を受け付ける"),
    "rules.delivery_fee": ("Delivery fee (yen)", "配送料（円）"),
    "rules.free_delivery_from": ("Free delivery from (yen)", "配送料無料となる金額（円）"),
    "rules.free_help": (
        "Leave empty if delivery is never free.",
        "無料にしない場合は空欄にしてください。",
    ),
    "rules.tax_rate_percent": (
        "Consumption tax included in prices (%)",
        "価格に含まれる消費税率（%）",
    ),
    "rules.staff_may_refund": (
        "Staff may refund (not only supervisors)",
        "スタッフも返金できる（スーパーバイザー以外）",
    ),
    "rules.save": ("Save", "保存"),
    "rules.saved": (
        "Saved. New payment requests use these rules.",
        "保存しました。新しいお支払い依頼から適用されます。",
    ),
    "rules.out_of_range": (
        "Enter a whole number in the allowed range.",
        "範囲内の整数を入力してください。",
    ),
    "rules.one_way_needed": (
        "Offer pickup, delivery or both.",
        "店舗受け取りか配送の少なくとも一方を選んでください。",
    ),
}
