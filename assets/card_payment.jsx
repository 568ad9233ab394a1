// Card entry with Stripe.js, wrapped by consult/components/card_payment.py.
//
// Card details go from this page straight to Stripe (or to localstripe offline), never to our
// server: the card is confirmed against a SetupIntent, and the server then charges the
// resulting PaymentMethod. When the bank asks for 3-D Secure, the server hands back the
// PaymentIntent's client secret as `actionSecret` and this component runs Stripe.js's
// `handleNextAction` (localstripe's fake Stripe.js has only `confirmCardPayment`, which shows
// its own confirm/cancel dialog for the same step). Stripe.js is loaded from `stripeJsUrl`
// (js.stripe.com, or the local localstripe copy when no Stripe keys are set).
//
// Props: publishableKey, clientSecret (of the SetupIntent), stripeJsUrl, submitLabel,
//        processingLabel, actionSecret, hints ({number, exp_month, exp_year, cvc} in the
//        customer's language); onResult({status, setup_intent, message, code, decline_code});
//        onAction({status, code}) once 3-D Secure is over.
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

const DIGITS = { number: 16, exp_month: 2, exp_year: 2, cvc: 4 };
const AUTOCOMPLETE = { number: "cc-number", exp_month: "cc-exp-month", exp_year: "cc-exp-year", cvc: "cc-csc" };

function grouped(digits) {
  return digits.replace(/(\d{4})(?=\d)/g, "$1 ");
}

// localstripe's offline card form is four bare inputs labelled "number", "exp_month", ... that
// jump to the next field after 16 characters, spaces included: typing the test card as printed
// ("4242 4242 4242 4242") spilled into the expiry. Make it read and behave like a card form:
// digits only (spaces and dashes dropped before localstripe reads the value), the number shown
// in groups of four, real hints and labels, numeric keyboards and autofill. Stripe's own form
// (an iframe) needs none of this.
function tidyLocalstripeForm(container, hints) {
  const fields = {};
  for (const input of container.querySelectorAll("input")) {
    fields[input.getAttribute("placeholder")] = input;
  }
  if (!fields.number || !fields.exp_month) return false;
  for (const span of container.querySelectorAll("span")) span.style.display = "none";
  if (fields.postal_code) fields.postal_code.style.display = "none";
  const number = fields.number;
  for (const [name, input] of Object.entries(fields)) {
    if (!(name in DIGITS)) continue;
    const hint = (hints && hints[name]) || name;
    // "CVC" is what cards print; the label says it in the customer's words.
    input.setAttribute("placeholder", name === "cvc" ? "CVC" : hint);
    input.setAttribute("aria-label", hint);
    input.setAttribute("inputmode", "numeric");
    input.setAttribute("autocomplete", AUTOCOMPLETE[name]);
    input.setAttribute("maxlength", name === "number" ? "23" : String(DIGITS[name] + 2));
    input.dataset.field = name;
    Object.assign(input.style, {
      padding: "10px 12px", fontSize: "16px", border: "1px solid var(--gray-a7)",
      borderRadius: "6px", background: "var(--color-surface)", color: "var(--gray-12)",
      minWidth: "0", boxSizing: "border-box",
      flex: name === "number" ? "1 1 100%" : name === "cvc" ? "1 1 30%" : "1 1 20%",
    });
    const localstripeHandler = input.oninput;
    input.oninput = (event) => {
      for (const [other, field] of Object.entries(fields)) {
        if (other in DIGITS) field.value = field.value.replace(/\D/g, "").slice(0, DIGITS[other]);
      }
      // localstripe reads every field and moves the focus on: it sees digits only.
      if (localstripeHandler) localstripeHandler.call(input, event);
      number.value = grouped(number.value);
    };
  }
  return true;
}

export function CardPayment({
  publishableKey, clientSecret, stripeJsUrl, submitLabel, processingLabel, actionSecret, hints,
  onResult, onAction,
}) {
  const mountRef = useRef(null);
  const stripeRef = useRef(null);
  const cardRef = useRef(null);
  const busyRef = useRef(false);
  const actedRef = useRef("");
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
        tidyLocalstripeForm(mountRef.current, hints);
        stripeRef.current = stripe;
        cardRef.current = card;
        setReady(true);
      })
      .catch(() => onResult && onResult({ status: "error", setup_intent: "", message: "", code: "stripe_js", decline_code: "" }));
    return () => {
      cancelled = true;
      if (cardRef.current && cardRef.current.unmount) cardRef.current.unmount();
      cardRef.current = null;
    };
  }, [stripeJsUrl, publishableKey]);

  // 3-D Secure: the server says the bank wants the customer to confirm.
  useEffect(() => {
    if (!actionSecret || actedRef.current === actionSecret || !stripeRef.current) return;
    actedRef.current = actionSecret;
    const stripe = stripeRef.current;
    const step = stripe.handleNextAction
      ? stripe.handleNextAction({ clientSecret: actionSecret })
      : stripe.confirmCardPayment(actionSecret);
    Promise.resolve(step)
      .then((result) => {
        const intent = result && result.paymentIntent;
        if (result && result.error) {
          onAction && onAction({ status: "error", code: result.error.code || "payment_intent_authentication_failure" });
        } else if (intent && ["succeeded", "processing", "requires_capture"].includes(intent.status)) {
          onAction && onAction({ status: "authenticated", code: "" });
        } else {
          const code = (intent && intent.last_payment_error && intent.last_payment_error.code) || "payment_intent_authentication_failure";
          onAction && onAction({ status: "error", code });
        }
      })
      .catch(() => onAction && onAction({ status: "error", code: "payment_intent_authentication_failure" }));
  }, [actionSecret, ready]);

  const submit = async (event) => {
    event.preventDefault();
    // One request per press, however fast the clicks: the flag is set before any await.
    if (!stripeRef.current || busyRef.current) return;
    busyRef.current = true;
    setBusy(true);
    let result;
    try {
      result = await stripeRef.current.confirmCardSetup(clientSecret, {
        payment_method: { card: cardRef.current },
      });
    } catch (err) {
      result = { error: { code: "stripe_js", message: String(err && err.message || err) } };
    }
    busyRef.current = false;
    setBusy(false);
    if (!onResult) return;
    if (result.error) {
      const error = result.error;
      const code = error.code || (error.message === "Bad request" ? "bad_request" : "");
      onResult({ status: "error", setup_intent: "", message: error.message || "", code, decline_code: error.decline_code || "" });
    } else {
      onResult({ status: result.setupIntent.status, setup_intent: result.setupIntent.id, message: "", code: "", decline_code: "" });
    }
  };

  return (
    <form onSubmit={submit} data-ready={ready ? "true" : "false"} className="card-payment"
          style={{ display: "flex", flexDirection: "column", gap: "12px", width: "100%" }}>
      <div ref={mountRef} id="card-element"
           style={{ padding: "12px", border: "1px solid var(--gray-a7)", borderRadius: "8px",
                    background: "var(--color-surface)", display: "flex", flexWrap: "wrap", gap: "8px" }} />
      <button type="submit" disabled={!ready || busy} id="card-submit" aria-busy={busy ? "true" : "false"}
              style={{ padding: "12px", borderRadius: "8px", border: "none", cursor: "pointer",
                       background: "var(--accent-9)", color: "white", fontWeight: 600, fontSize: "16px",
                       opacity: !ready || busy ? 0.6 : 1 }}>
        {busy ? processingLabel : submitLabel}
      </button>
    </form>
  );
}
