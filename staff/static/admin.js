// Administration pages: everything works without this; it hides what does not apply and copies secrets.
(function () {
  "use strict";
  // The kelurahan only matters for a kelurahan office account: show it only then.
  var role = document.querySelector(".role-select select");
  var place = document.querySelector(".kelurahan-field");
  if (role && place) {
    var hint = place.querySelector(".hint");
    var showPlace = function () {
      place.hidden = role.value !== "kelurahan";
      if (hint) hint.hidden = true;
    };
    role.addEventListener("change", showPlace);
    showPlace();
  }
  // A generated temporary password needs no typing: hide the two password fields then.
  document.querySelectorAll("fieldset.password-choice").forEach(function (fieldset) {
    var typed = fieldset.querySelector("[data-typed-password]");
    var showTyped = function () {
      var chosen = fieldset.querySelector("[data-password-choice]:checked");
      typed.hidden = chosen !== null && chosen.value === "generate";
    };
    fieldset.addEventListener("change", showTyped);
    showTyped();
  });
  // Copy a secret shown once, and say so.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.dataset.copy);
    var done = button.closest(".secret").querySelector("[data-copied]");
    button.hidden = false;
    button.addEventListener("click", function () {
      input.select();
      var said = function () { done.hidden = false; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(said, function () { document.execCommand("copy"); said(); });
      } else {
        document.execCommand("copy");
        said();
      }
    });
  });
})();
