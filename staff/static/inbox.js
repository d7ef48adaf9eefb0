// The inbox item page: the reply's live SMS counter (figures from the server's office.gsm), a template
// filling the reply at once, only the chosen move's extra fields shown, and the SMS a move would send.
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
    // "Tell the citizen" follows the chosen move (on for the moves a citizen expects word of) until the
    // clerk sets it; the text to be sent is shown under it.
    var notify = move.querySelector("input[name=notify]");
    var notices = document.getElementById("notice-texts");
    var preview = document.getElementById("notice-preview");
    var touched = false;
    var tell = function () {};
    if (notify && notices && preview) {
      var data = JSON.parse(notices.textContent);
      notify.addEventListener("change", function () { touched = true; });
      tell = function () {
        var chosen = move.querySelector("input[name=new_state]:checked");
        if (chosen && !touched) { notify.checked = data.checked.indexOf(chosen.value) >= 0; }
        var text = chosen && data.texts[chosen.value];
        preview.hidden = !(text && notify.checked);
        preview.textContent = text ? preview.dataset.label + " " + text : "";
      };
    }
    move.addEventListener("change", function () { show(); tell(); });
    show();
    tell();
  }
}());
