// The upload form follows the chosen feed type: purge and replace is offered only for the
// types that take it (the server refuses it for the others either way), and the sample link
// points at the chosen type's sample file.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-purge-types]");
  const select = form && form.querySelector("select[name=feed_type]");
  if (!select) {
    return;
  }
  const purgeTypes = new Set(form.dataset.purgeTypes.split(" ").filter(Boolean));
  const sample = form.querySelector(".feed-sample");
  const sampleLink = document.getElementById("feed-sample-link");
  // On load, a purge field with an error stays in view so the seller can read it.
  const follow = (onLoad) => {
    const chosen = select.value;
    const takesPurge = purgeTypes.has(chosen);
    for (const field of form.querySelectorAll("[data-purge-field]")) {
      const hide = !takesPurge && !(onLoad && field.classList.contains("has-error"));
      field.hidden = hide;
      if (hide) {
        for (const box of field.querySelectorAll("input[type=checkbox]")) {
          box.checked = false;
        }
      }
    }
    sample.hidden = !chosen;
    if (chosen) {
      sampleLink.href = form.dataset.sampleUrl.replace("FEED_TYPE", encodeURIComponent(chosen));
    }
  };
  select.addEventListener("change", () => follow(false));
  follow(true);
});
