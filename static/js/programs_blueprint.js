// Blueprint editor: the feasibility panel is re-drawn by htmx as the form changes. Screen readers
// hear only its verdict (a polite live region outside the panel), not the whole table each time.
(function () {
  "use strict";
  const panel = document.getElementById("feasibility");
  const status = document.getElementById("feasibility-status");
  if (!panel || !status) return;
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target !== panel) return;
    const totalNode = panel.querySelector("[data-testid=weight-total]");
    const total = totalNode && totalNode.parentElement; // the whole sentence, in the page's language
    const verdict = panel.querySelector("[data-testid=feasibility-verdict], [data-testid=feasibility-errors]");
    status.textContent = [total && total.innerText, verdict && verdict.innerText]
      .filter(Boolean)
      .join(" ")
      .replace(/\s+/g, " ")
      .trim();
  });
})();
