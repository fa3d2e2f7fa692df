// Bank browser: select every row on the page, and keep the count of selected items in view.
(function () {
  "use strict";
  const all = document.getElementById("select-page");
  const rows = Array.from(document.querySelectorAll(".row-select"));
  const count = document.querySelector("[data-testid=selected-count]");

  function update() {
    const selected = rows.filter((box) => box.checked).length;
    if (count) count.textContent = String(selected);
    if (all) {
      all.checked = selected > 0 && selected === rows.length;
      all.indeterminate = selected > 0 && selected < rows.length;
    }
  }

  if (all) {
    all.addEventListener("change", () => {
      rows.forEach((box) => { box.checked = all.checked; });
      update();
    });
  }
  rows.forEach((box) => box.addEventListener("change", update));
  update();
})();
