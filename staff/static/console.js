// The console's little script: everything works without it; it only saves keystrokes and mistakes.
(function () {
  "use strict";
  // A button with data-confirm asks before its form is sent.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) { event.preventDefault(); return; }
    // A second press while the page is sending would send the form twice (two applications, two SMS).
    // Disabled after this tick, so the pressed button's own name and value still go with the form.
    if (event.target.method === "post" && button) {
      window.setTimeout(function () { button.disabled = true; button.dataset.sending = "1"; }, 0);
    }
  });
  // Coming back with the browser's Back button shows the page as it was left: let it be used again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("button[data-sending]").forEach(function (b) {
      b.disabled = false;
      delete b.dataset.sending;
    });
  });
  // After a refused form, the first field in error takes the focus, so the clerk can type at once.
  var invalid = document.querySelector("[aria-invalid=true]");
  if (invalid) invalid.focus();
})();
