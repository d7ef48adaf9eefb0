// The console's little script: everything works without it; it only saves keystrokes and mistakes.
(function () {
  "use strict";
  // A button with data-confirm asks before its form is sent.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });
  // After a refused form, the first field in error takes the focus, so the clerk can type at once.
  var invalid = document.querySelector("[aria-invalid=true]");
  if (invalid) invalid.focus();
})();
