// The catalog pickers (report types, feed types: mwsportal/picker.py): a search box that
// narrows the list as the seller types (matching the human name, category and description,
// never the raw MWS name) and a line saying what the chosen type contains. Without this file
// the picker is a plain grouped list.
document.addEventListener("DOMContentLoaded", () => {
  for (const search of document.querySelectorAll("[data-picker-search]")) {
    const select = document.getElementById(search.dataset.pickerSearch);
    const box = search.closest(".picker-search");
    const count = box.querySelector(".picker-count");
    const about = select.parentElement.querySelector(".picker-about");
    const one = search.dataset.pickerOne;
    const many = search.dataset.pickerMany;
    box.hidden = false;
    // A list rather than a drop-down, so the matches show while typing.
    select.size = 8;

    const describe = () => {
      const chosen = select.selectedOptions[0];
      about.textContent = chosen && !chosen.hidden ? chosen.dataset.description || "" : "";
    };

    const filter = () => {
      const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      for (const option of select.options) {
        if (!option.value) {
          // The "choose one" line is no match for anything.
          option.hidden = words.length > 0;
          continue;
        }
        const text = (option.dataset.search || option.text).toLowerCase();
        option.hidden = !words.every((word) => text.includes(word));
        shown += option.hidden ? 0 : 1;
      }
      for (const group of select.querySelectorAll("optgroup")) {
        group.hidden = [...group.children].every((option) => option.hidden);
      }
      // A hidden choice would still be submitted: move to the first one still listed.
      if (select.selectedOptions[0] && select.selectedOptions[0].hidden) {
        const first = [...select.options].find((option) => !option.hidden);
        if (first) {
          select.value = first.value;
          // What follows the choice (the feed form's sample link) hears of it.
          select.dispatchEvent(new Event("change"));
        }
      }
      count.textContent = words.length
        ? (shown === 1 ? `1 ${one} matches.` : shown ? `${shown} ${many} match.` : `No ${one} matches.`)
        : "";
      describe();
    };

    search.addEventListener("input", filter);
    select.addEventListener("change", describe);
    describe();
  }
});
