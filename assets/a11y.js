// Keyboard behaviour the pages' components do not give on their own.
//
// 1. "Skip to content" moves focus to <main> itself (a plain #main link would only scroll, as
//    the router answers the hash change).
// 2. A radio group marked `data-roving` (the booking page's days and times) is one tab stop:
//    the checked radio (or the first) takes Tab, arrows move to the next one and choose it.
// 3. Radix's scroll areas (a wide table on a phone) take focus, so arrows can scroll them.
// 4. The panorama viewer's controls (Photo Sphere Viewer's `div.psv-button`, role=button) answer
//    Space as well as Enter, as buttons do.
// 5. A modal dialog's keyboard behaviour, for any element marked `data-modal` (the tour's product
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

  const radios = (group) => [...group.querySelectorAll("[role=radio]")];
  const rove = () => {
    for (const group of document.querySelectorAll("[data-roving]")) {
      const all = radios(group);
      const current = all.find((r) => r.getAttribute("aria-checked") === "true") || all[0];
      for (const radio of all) radio.tabIndex = radio === current ? 0 : -1;
    }
    for (const area of document.querySelectorAll(".rt-ScrollAreaViewport")) {
      const scrolls = area.scrollWidth > area.clientWidth || area.scrollHeight > area.clientHeight;
      if (scrolls && !area.hasAttribute("tabindex")) area.tabIndex = 0;
    }
  };
  window.addEventListener("resize", rove);
  new MutationObserver(rove).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["aria-checked"],
  });
  const STEP = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
  document.addEventListener("keydown", (event) => {
    const group = event.target.closest?.("[data-roving]");
    if (!group || !(event.key in STEP || event.key === "Home" || event.key === "End")) return;
    const all = radios(group);
    const at = all.indexOf(event.target.closest("[role=radio]"));
    if (at < 0) return;
    const to = event.key === "Home" ? 0 : event.key === "End" ? all.length - 1
      : (at + STEP[event.key] + all.length) % all.length;
    event.preventDefault();
    all[to].focus();
    all[to].click();
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== " " || !event.target.matches?.(".psv-button")) return;
    event.preventDefault();
    event.target.click();
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
