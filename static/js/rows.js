// The table browser's "add a filter" line: the chosen column and condition become the
// parameter name (f.<column> or f.<column>.<condition>) of the value field before it is sent.
(function () {
  "use strict";
  function start() {
    const form = document.getElementById("row-filters");
    if (!form) return;
    const column = form.querySelector("[data-filter-column]");
    const operator = form.querySelector("[data-filter-operator]");
    const value = form.querySelector("[data-filter-value]");
    form.addEventListener("submit", function () {
      if (value.value.trim() === "") return;
      value.name = "f." + column.value + (operator.value ? "." + operator.value : "");
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
