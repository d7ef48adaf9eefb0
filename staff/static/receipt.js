// The receipt's Print button; it only shows where this script runs (the browser's own print works anyway).
(function () {
  "use strict";
  var button = document.querySelector("[data-print]");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
  button.focus();
})();
