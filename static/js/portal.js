// Small behaviours shared by every page. Kept in a file (not inline) so the Content Security
// Policy can forbid inline scripts.
document.addEventListener("click", (event) => {
  const trigger = event.target.closest("[data-confirm]");
  if (trigger && !window.confirm(trigger.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
