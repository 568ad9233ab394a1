// Card entry with Stripe.js, wrapped by consult/components/card_payment.py.
//
// Card details go from this page straight to Stripe (or to localstripe offline), never to our
// server: the card is confirmed against a SetupIntent, and the server then charges the
// resulting PaymentMethod. Stripe.js is loaded from `stripeJsUrl` (js.stripe.com, or the local
// localstripe copy when no Stripe keys are set).
//
// Props: publishableKey, clientSecret (of the SetupIntent), stripeJsUrl, submitLabel,
//        processingLabel; onResult({status, setup_intent, message}).
// Test hook: the form carries data-ready="true" once the card field is mounted.

import React, { useEffect, useRef, useState } from "react";

const loading = {};

function loadStripe(src) {
  if (!loading[src]) {
    loading[src] = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = () => (window.Stripe ? resolve(window.Stripe) : reject(new Error("no Stripe")));
      script.onerror = () => reject(new Error("Stripe.js could not be loaded"));
      document.head.appendChild(script);
    });
  }
  return loading[src];
}

export function CardPayment({
  publishableKey, clientSecret, stripeJsUrl, submitLabel, processingLabel, onResult,
}) {
  const mountRef = useRef(null);
  const stripeRef = useRef(null);
  const cardRef = useRef(null);
  const [ready, setReady] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let cancelled = false;
    loadStripe(stripeJsUrl)
      .then((Stripe) => {
        if (cancelled || !mountRef.current) return;
        const stripe = Stripe(publishableKey);
        const card = stripe.elements().create("card", { hidePostalCode: true });
        card.mount(mountRef.current);
        stripeRef.current = stripe;
        cardRef.current = card;
        setReady(true);
      })
      .catch((err) => onResult && onResult({ status: "error", setup_intent: "", message: String(err.message || err) }));
    return () => {
      cancelled = true;
      if (cardRef.current && cardRef.current.unmount) cardRef.current.unmount();
      cardRef.current = null;
    };
  }, [stripeJsUrl, publishableKey]);

  const submit = async (event) => {
    event.preventDefault();
    if (!stripeRef.current || busy) return;
    setBusy(true);
    const result = await stripeRef.current.confirmCardSetup(clientSecret, {
      payment_method: { card: cardRef.current },
    });
    setBusy(false);
    if (!onResult) return;
    if (result.error) {
      const message = result.error.message || String(result.error);
      onResult({ status: "error", setup_intent: "", message });
    } else {
      onResult({ status: result.setupIntent.status, setup_intent: result.setupIntent.id, message: "" });
    }
  };

  return (
    <form onSubmit={submit} data-ready={ready ? "true" : "false"} className="card-payment"
          style={{ display: "flex", flexDirection: "column", gap: "12px", width: "100%" }}>
      <div ref={mountRef} id="card-element"
           style={{ padding: "12px", border: "1px solid var(--gray-a7)", borderRadius: "8px",
                    background: "var(--color-surface)", display: "flex", flexWrap: "wrap", gap: "6px" }} />
      <button type="submit" disabled={!ready || busy} id="card-submit"
              style={{ padding: "12px", borderRadius: "8px", border: "none", cursor: "pointer",
                       background: "var(--accent-9)", color: "white", fontWeight: 600, fontSize: "16px",
                       opacity: !ready || busy ? 0.6 : 1 }}>
        {busy ? processingLabel : submitLabel}
      </button>
    </form>
  );
}
