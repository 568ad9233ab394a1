// Keyboard behaviour the pages' components do not give on their own.
//
// 1. "Skip to content" moves focus to <main> itself (a plain #main link would only scroll, as
//    the router answers the hash change).
// 2. A modal dialog's keyboard behaviour, for any element marked `data-modal` (the tour's product
// panel): focus moves into it when it opens, Tab and Shift+Tab stay inside, Escape closes it
// from anywhere (by clicking its `data-modal-close` button), and focus goes back to what opened
// it. Radix's own dialogs do this; the panel is not one because it sits inside the viewer.
(() => {
  document.addEventListener("click", (event) => {
    const skip = event.target.closest?.(".skip-link");
    const main = document.getElementById("main");
    if (!skip || !main) return;
    event.preventDefault();
    main.focus();
    main.scrollIntoView();
  });

  const FOCUSABLE = [
    "a[href]", "button:not([disabled])", "input:not([disabled])", "select:not([disabled])",
    "textarea:not([disabled])", "[tabindex]:not([tabindex='-1'])",
  ].join(",");
  let open = null;
  let opener = null;
  const focusables = (dialog) =>
    [...dialog.querySelectorAll(FOCUSABLE)].filter((el) => el.getClientRects().length > 0);
  const check = () => {
    const dialog = document.querySelector("[data-modal]");
    if (dialog && dialog !== open) {
      if (!open) opener = document.activeElement;
      open = dialog;
      if (!dialog.contains(document.activeElement)) (focusables(dialog)[0] || dialog).focus();
    } else if (!dialog && open) {
      open = null;
      const back = opener && opener.isConnected ? opener : document.querySelector("[data-modal-return]");
      opener = null;
      back?.focus();
    }
  };
  new MutationObserver(check).observe(document.documentElement, { subtree: true, childList: true });
  document.addEventListener("keydown", (event) => {
    if (!open || !open.isConnected) return;
    if (event.key === "Escape") {
      open.querySelector("[data-modal-close]")?.click();
      event.preventDefault();
      return;
    }
    if (event.key !== "Tab") return;
    const items = focusables(open);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    const inside = open.contains(document.activeElement);
    if (event.shiftKey && (!inside || document.activeElement === first)) {
      last.focus();
      event.preventDefault();
    } else if (!event.shiftKey && (!inside || document.activeElement === last)) {
      first.focus();
      event.preventDefault();
    }
  }, true);
})();
