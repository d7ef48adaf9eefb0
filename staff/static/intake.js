// Counter intake: a search box over the service list (code, name or keyword), arrows to move, Enter to pick.
// Without this script the list is a plain <select>, which also finds a service by typing its code.
(function () {
  "use strict";
  var picker = document.querySelector("[data-service-picker]");
  if (!picker) return;
  var select = document.getElementById("service");
  var search = document.getElementById("service-search");
  var count = document.getElementById("service-search-count");
  var options = Array.prototype.slice.call(select.options).filter(function (o) { return o.value; });

  search.closest(".field").hidden = false;
  // A list box shows the matches while typing, as tall as they are; its empty "choose" line has no use there.
  function fit(shown) {
    select.size = Math.max(3, Math.min(8, shown));
  }
  fit(options.length);
  select.options[0].hidden = true;

  function matches() {
    return options.filter(function (o) { return !o.hidden; });
  }

  function filter() {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    options.forEach(function (o) {
      var text = o.dataset.search + " " + o.text.toLowerCase();
      o.hidden = !words.every(function (word) { return text.indexOf(word) !== -1; });
    });
    var shown = matches();
    fit(shown.length);
    if (!select.selectedOptions.length || select.selectedOptions[0].hidden) {
      select.value = shown.length ? shown[0].value : "";
    }
    count.textContent = words.length ? (shown.length ? count.dataset.some : count.dataset.none)
      .replace("{count}", shown.length) : "";
  }

  function move(step) {
    var shown = matches();
    if (!shown.length) return;
    var at = shown.indexOf(select.selectedOptions[0]);
    select.value = shown[Math.max(0, Math.min(shown.length - 1, at + step))].value;
  }

  // After a pick the clerk goes on with the checklist of that service, or the name when it needs none.
  function next() {
    var list = document.getElementById("checklist-" + select.value);
    var target = (list && list.querySelector("input")) || document.getElementById("applicant_name");
    target.focus();
  }

  search.addEventListener("input", filter);
  search.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      move(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter") {
      // Enter picks here; it saves from every other box.
      event.preventDefault();
      if (select.value) next();
    }
  });
  select.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && select.value) {
      event.preventDefault();
      next();
    }
  });
  // Enter saves from the kelurahan list too, as it does from the text boxes.
  picker.closest("form").addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && target.tagName === "SELECT" && target !== select) {
      event.preventDefault();
      target.form.requestSubmit();
    }
  });
  if (!document.querySelector("[aria-invalid=true]")) {
    (select.value ? document.getElementById("applicant_name") : search).focus();
  }
})();
