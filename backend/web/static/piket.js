// Progressive parts of the pages; everything works without them.
"use strict";

// The dispatch board fetches its live part again every few seconds.
function refreshBoard(board) {
  // Not while someone types in it (a call-out's cancel reason): the refresh would wipe the text.
  if (board.contains(document.activeElement) && document.activeElement.matches("input, textarea")) { return; }
  fetch(board.dataset.refresh, { credentials: "same-origin", headers: { Accept: "text/html" } })
    .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
    .then((html) => { board.innerHTML = html; boxTables(board); board.dataset.refreshedAt = Date.now(); })
    .catch(() => { board.classList.add("stale"); });
}

// A wide table scrolls inside a box of its own (its first column stays), never the page.
function boxTables(within) {
  within.querySelectorAll("table").forEach((table) => {
    if (table.parentElement.classList.contains("scroll")) { return; }
    const box = document.createElement("div");
    box.className = "scroll";
    box.tabIndex = 0;  // a keyboard can scroll it too
    table.before(box);
    box.appendChild(table);
  });
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
  boxTables(document.querySelector("main"));
  const board = document.querySelector("[data-refresh]");
  if (board) { setInterval(() => refreshBoard(board), Number(board.dataset.every || 5000)); }
  document.querySelectorAll("input[data-select-all]").forEach(wireSelectAll);
  document.querySelectorAll("form[data-confirm]").forEach(wireConfirm);
});
