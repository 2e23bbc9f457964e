// Progressive parts of the pages; everything works without them.
"use strict";

// The dispatch board fetches its live part again every few seconds.
function refreshBoard(board) {
  // Not while someone types in it (a call-out's cancel reason): the refresh would wipe the text.
  if (board.contains(document.activeElement) && document.activeElement.matches("input, textarea")) { return; }
  fetch(board.dataset.refresh, { credentials: "same-origin", headers: { Accept: "text/html" } })
    .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
    .then((html) => { board.innerHTML = html; board.dataset.refreshedAt = Date.now(); })
    .catch(() => { board.classList.add("stale"); });
}

// "Select all" boxes tick every box of their form.
function wireSelectAll(box) {
  box.addEventListener("change", () => {
    box.form.querySelectorAll("input[name='entry_ids']").forEach((item) => { item.checked = box.checked; });
  });
}

// Buttons that need a second thought ask for it.
function wireConfirm(form) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const board = document.querySelector("[data-refresh]");
  if (board) { setInterval(() => refreshBoard(board), Number(board.dataset.every || 5000)); }
  document.querySelectorAll("input[data-select-all]").forEach(wireSelectAll);
  document.querySelectorAll("form[data-confirm]").forEach(wireConfirm);
});
