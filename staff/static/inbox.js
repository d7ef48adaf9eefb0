// The inbox item page: the reply's live SMS counter (figures from the server's office.gsm), a template
// filling the reply at once, and only the chosen move's extra fields shown.
(function () {
  "use strict";
  var form = document.getElementById("reply-form");
  if (form) {
    form.querySelectorAll(".js-hide").forEach(function (button) { button.hidden = true; });
    var text = form.querySelector("textarea[name=text]");
    var counter = document.getElementById("sms-counter");
    var pending = null;
    var count = function () {
      clearTimeout(pending);
      pending = setTimeout(function () {
        fetch(form.dataset.length + "?text=" + encodeURIComponent(text.value), {credentials: "same-origin"})
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) { if (data) { counter.textContent = data.text; } });
      }, 150);
    };
    text.addEventListener("input", count);
    var texts = document.getElementById("template-texts");
    var pick = form.querySelector("select[name=template]");
    if (texts && pick) {
      var byId = JSON.parse(texts.textContent);
      pick.addEventListener("change", function () {
        if (byId[pick.value]) { text.value = byId[pick.value]; count(); }
      });
    }
  }
  var move = document.getElementById("move-form");
  if (move) {
    var extras = move.querySelectorAll(".move-extra");
    var show = function () {
      var chosen = move.querySelector("input[name=new_state]:checked");
      extras.forEach(function (box) { box.hidden = !chosen || box.dataset.for !== chosen.value; });
    };
    move.addEventListener("change", show);
    show();
  }
}());
