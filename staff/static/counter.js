// The counter panel's keys and its waiting line kept fresh. Every button is a plain form without this script.
(function () {
  "use strict";
  var REFRESH_MS = 5000;

  function typing(target) {
    return target.closest("input, select, textarea, [contenteditable]:not([contenteditable=false])") !== null;
  }

  // N, U, M, S, T press their button; A goes to the group list of a transfer. Never while typing in a field,
  // and never with Ctrl, Alt or Meta, which belong to the browser.
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || event.repeat || typing(event.target)) return;
    var button = document.querySelector("button.move[data-key='" + event.key.toLowerCase() + "']");
    if (!button || button.disabled) return;
    event.preventDefault();
    if (button.dataset.focus) {
      document.getElementById(button.dataset.focus).focus();
    } else {
      button.form.requestSubmit(button);
    }
  });

  // Enter on the group list sends the transfer, as it would in a text field.
  var group = document.getElementById("group");
  if (group) {
    group.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        group.form.requestSubmit(group.form.querySelector("button"));
      }
    });
  }

  // Tickets join the line at the kiosk and leave it at other counters: fetch it again every few seconds,
  // but not while the clerk is on one of its Cancel buttons (that would take the focus away).
  var line = document.getElementById("line");
  if (!line) return;
  window.setInterval(function () {
    if (document.hidden || line.contains(document.activeElement)) return;
    fetch(line.dataset.refresh, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (response.status === 200) return response.text();
        return null;
      })
      .then(function (html) {
        if (html !== null && !line.contains(document.activeElement)) line.innerHTML = html;
      })
      .catch(function () { /* offline for a moment: the next round tries again */ });
  }, REFRESH_MS);
})();
