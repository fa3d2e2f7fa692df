// Item editor: option rows (add, remove, reorder), type-dependent fields, level choices that
// follow the competency's standard, stem formatting buttons and image upload. The live preview
// itself is htmx (see the preview card); this script tells it when rows change.
(function () {
  "use strict";
  const form = document.getElementById("item-form");
  if (!form) return;
  const prefix = "options";
  const rows = document.getElementById("option-rows");
  const template = document.getElementById("option-template");
  const total = form.querySelector(`#id_${prefix}-TOTAL_FORMS`);
  const initial = form.querySelector(`#id_${prefix}-INITIAL_FORMS`);
  const typeSelect = form.querySelector("#id_type");
  const stem = form.querySelector("#id_stem");

  document.querySelectorAll(".js-only").forEach((el) => el.classList.remove("d-none"));
  document.querySelectorAll(".no-js-delete").forEach((el) => el.classList.add("d-none"));

  function changed() {
    form.dispatchEvent(new Event("options-changed", { bubbles: true }));
  }

  // Django reads a formset by index, so after any add, remove or move every row is renumbered.
  function renumber() {
    const all = Array.from(rows.querySelectorAll(".option-row"));
    const pattern = new RegExp(`${prefix}-(\\d+|__prefix__)-`);
    all.forEach((row, index) => {
      row.querySelectorAll("[name], [id], [for]").forEach((el) => {
        ["name", "id", "for"].forEach((attr) => {
          const value = el.getAttribute(attr);
          if (value && pattern.test(value)) el.setAttribute(attr, value.replace(pattern, `${prefix}-${index}-`));
        });
      });
      row.querySelector(".option-number").textContent = String(index + 1);
    });
    total.value = String(all.length);
    initial.value = String(Math.min(Number(initial.value), all.length));
    applyType();
  }

  function addRow(text) {
    const fragment = template.content.cloneNode(true);
    const row = fragment.querySelector(".option-row");
    row.querySelectorAll(".js-only").forEach((el) => el.classList.remove("d-none"));
    row.querySelectorAll(".no-js-delete").forEach((el) => el.classList.add("d-none"));
    rows.appendChild(fragment);
    renumber();
    const added = rows.lastElementChild;
    if (text !== undefined) added.querySelector("textarea[name$='-text']").value = text;
    return added;
  }

  document.getElementById("option-add").addEventListener("click", () => {
    const row = addRow();
    row.querySelector("textarea[name$='-text']").focus();
    changed();
  });

  rows.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    const row = button.closest(".option-row");
    if (button.classList.contains("option-remove")) {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      renumber();
      (next ? next.querySelector("textarea") : document.getElementById("option-add")).focus();
    } else if (button.classList.contains("option-up") && row.previousElementSibling) {
      rows.insertBefore(row, row.previousElementSibling);
      renumber();
      button.focus();
    } else if (button.classList.contains("option-down") && row.nextElementSibling) {
      rows.insertBefore(row.nextElementSibling, row);
      renumber();
      button.focus();
    } else {
      return;
    }
    changed();
  });

  // Type-dependent parts: scoring only for multiple response; no "correct" boxes for ordering,
  // where the written order is the key; true/false starts with its two options.
  function applyType() {
    const type = typeSelect.value;
    document.getElementById("scoring-field").hidden = type !== "multiple";
    document.getElementById("ordering-hint").hidden = type !== "ordering";
    rows.querySelectorAll(".correct-field").forEach((el) => { el.hidden = type === "ordering"; });
  }

  typeSelect.addEventListener("change", () => {
    if (typeSelect.value === "truefalse") {
      const texts = Array.from(rows.querySelectorAll("textarea[name$='-text']"));
      if (texts.every((t) => !t.value.trim())) {
        rows.querySelectorAll(".option-row").forEach((row) => row.remove());
        addRow(form.dataset.trueLabel);
        addRow(form.dataset.falseLabel);
      }
    }
    applyType();
    changed();
  });
  applyType();

  // Levels belong to one standard: offer only those of the chosen competency's standard.
  const competency = form.querySelector("#id_competency");
  const level = form.querySelector("#id_level");
  function filterLevels() {
    const chosen = competency.selectedOptions[0];
    const standard = chosen ? chosen.dataset.standard : "";
    Array.from(level.options).forEach((option) => {
      const fits = !option.value || !standard || option.dataset.standard === standard;
      option.hidden = !fits;
      option.disabled = !fits;
    });
    if (level.selectedOptions[0] && level.selectedOptions[0].disabled) level.value = "";
  }
  competency.addEventListener("change", filterLevels);
  filterLevels();

  // Stem formatting: wraps the selection in the sanitiser's allowed tags.
  function insert(before, after) {
    const start = stem.selectionStart;
    const end = stem.selectionEnd;
    const selected = stem.value.slice(start, end);
    stem.setRangeText(before + selected + after, start, end, "end");
    if (!selected) stem.setSelectionRange(start + before.length, start + before.length);
    stem.focus();
    stem.dispatchEvent(new Event("input", { bubbles: true }));
  }
  document.querySelectorAll("[data-wrap]").forEach((button) => {
    button.addEventListener("click", () => insert(`<${button.dataset.wrap}>`, `</${button.dataset.wrap}>`));
  });
  document.querySelectorAll("[data-list]").forEach((button) => {
    button.addEventListener("click", () => {
      const tag = button.dataset.list;
      const lines = stem.value.slice(stem.selectionStart, stem.selectionEnd).split("\n").filter((l) => l.trim());
      const items = (lines.length ? lines : [""]).map((l) => `  <li>${l.trim()}</li>`).join("\n");
      stem.setRangeText(`<${tag}>\n${items}\n</${tag}>`, stem.selectionStart, stem.selectionEnd, "end");
      stem.focus();
      stem.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });

  // Images go to the app's media first; only then may the stem point at them.
  const upload = document.getElementById("image-upload");
  const status = document.getElementById("image-status");
  document.getElementById("image-insert").addEventListener("click", async () => {
    const file = document.getElementById("image-file").files[0];
    if (!file) {
      status.textContent = upload.dataset.chooseMessage;
      status.className = "small mt-1 text-danger";
      return;
    }
    const body = new FormData();
    body.append("file", file);
    const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    try {
      const response = await fetch(upload.dataset.uploadUrl, {
        method: "POST",
        body,
        headers: { "X-CSRFToken": token },
        credentials: "same-origin",
      });
      const data = await response.json();
      if (!response.ok) throw new Error(data.error || response.statusText);
      const alt = document.getElementById("image-alt").value
        .replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
      insert(`<img src="${data.url}" alt="${alt}">`, "");
      status.textContent = `${data.name} ✓`;
      status.className = "small mt-1 text-success";
    } catch (error) {
      status.textContent = error.message;
      status.className = "small mt-1 text-danger";
    }
  });
})();
