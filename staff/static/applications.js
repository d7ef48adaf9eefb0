// The applications pages: a live SMS preview and "tick the whole page". Both pages work without it.
(function () {
  "use strict";

  // The server composes the preview with the code that sends the real SMS, so the page never guesses it.
  var form = document.getElementById("status-form");
  if (form) {
    var box = document.getElementById("sms-preview");
    var text = document.getElementById("sms-text");
    var length = document.getElementById("sms-length");
    var timer = null;
    var asked = 0;
    form.querySelectorAll(".js-hide").forEach(function (button) { button.hidden = true; });
    var update = function () {
      var data = new FormData(form);
      if (!data.get("new_status")) return;
      var mine = ++asked;
      fetch(form.dataset.preview, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          if (mine !== asked) return; // an older answer arriving late
          box.removeAttribute("data-empty");
          box.classList.toggle("failed", Boolean(answer.error));
          text.textContent = answer.error || answer.text;
          length.textContent = answer.error ? "" : answer.summary;
        })
        .catch(function () { /* offline: the Preview button of the page without script still works */ });
    };
    form.addEventListener("change", update);
    form.addEventListener("input", function (event) {
      if (event.target.name !== "note") return;
      clearTimeout(timer);
      timer = setTimeout(update, 250);
    });
    update();
  }

  var page = document.getElementById("pick-page");
  if (page) {
    page.hidden = false;
    page.addEventListener("change", function () {
      document.querySelectorAll("input[name=reference]").forEach(function (box) { box.checked = page.checked; });
    });
  }
})();
