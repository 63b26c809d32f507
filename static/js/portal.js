// Small behaviours shared by every page. Kept in a file (not inline) so the Content Security
// Policy can forbid inline scripts.
document.addEventListener("click", (event) => {
  const trigger = event.target.closest("[data-confirm]");
  if (trigger && !window.confirm(trigger.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

// The main navigation collapses behind its "Menu" button on narrow screens. The button is only
// shown once this runs, so without JavaScript the links simply stay visible.
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector(".nav-toggle");
  const topbar = toggle && toggle.closest(".topbar");
  if (!topbar) {
    return;
  }
  topbar.classList.add("nav-collapsible");
  toggle.hidden = false;
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    topbar.classList.toggle("nav-open", open);
  });
});

// A disclosure the reader opened stays open when htmx replaces the part of the page around it
// (a panel that refreshes itself, for instance). Only <details> with an id are tracked.
let openDisclosures = [];
document.addEventListener("htmx:beforeSwap", (event) => {
  openDisclosures = [...event.detail.target.querySelectorAll("details[id][open]")].map(
    (details) => details.id,
  );
});
document.addEventListener("htmx:afterSettle", () => {
  for (const id of openDisclosures) {
    const details = document.getElementById(id);
    if (details) {
      details.open = true;
    }
  }
  openDisclosures = [];
});
