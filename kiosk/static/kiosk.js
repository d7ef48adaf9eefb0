// The kiosk's behaviour: screens swapped in place (so a server restart shows "reconnecting", never a browser
// error), the on-screen keys, printing, and the idle reset that clears whatever a citizen typed or saw.
(function () {
  "use strict";

  var lastTouch = Date.now();
  var busy = false;
  var idleOpen = false;

  function root() { return document.getElementById("kiosk"); }
  function setting(name) { return root().dataset[name]; }
  function seconds(name) { return Number(setting(name)) || 0; }

  // ---- Moving between screens ------------------------------------------------------------------------

  function go(url, options) {
    if (busy) return;
    busy = true;
    var request = { method: options.method || "GET", body: options.body, credentials: "same-origin",
                    cache: "no-store", headers: { "X-Kiosk": "1" } };
    if (request.body) request.headers["Content-Type"] = "application/x-www-form-urlencoded";
    fetch(url, request)
      .then(function (response) {
        return response.text().then(function (html) { return { response: response, html: html }; });
      })
      .then(function (answer) {
        busy = false;
        if (!swap(answer.html, answer.response.url)) showProblem();
      })
      .catch(function () {
        busy = false;
        // Only a GET is asked again by itself: a form sent again could file a suggestion twice.
        reconnect(request.method === "GET" ? function () { go(url, options); } : showProblem);
      });
  }

  function swap(html, url) {
    var next = new DOMParser().parseFromString(html, "text/html");
    var screen = next.getElementById("kiosk");
    if (!screen) return false;
    root().replaceWith(document.adoptNode(screen));
    document.title = next.title;
    document.documentElement.lang = next.documentElement.lang;
    // The address follows the screen, but no history is kept: nothing a citizen saw can be gone back to.
    history.replaceState(null, "", url);
    window.scrollTo(0, 0);
    setUp();
    return true;
  }

  function showProblem() {
    var problem = root().querySelector(".problem");
    problem.hidden = false;
    setTimeout(function () { problem.hidden = true; }, 6000);
  }

  function reconnect(then) {
    var overlay = root().querySelector(".reconnecting");
    var delay = 1000;
    overlay.hidden = false;
    (function attempt() {
      fetch(setting("ping"), { cache: "no-store" })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          root().querySelector(".reconnecting").hidden = true;
          then();
        })
        .catch(function () {
          delay = Math.min(delay * 2, 10000);
          setTimeout(attempt, delay);
        });
    })();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[href]");
    if (!link || link.origin !== location.origin || event.defaultPrevented) return;
    event.preventDefault();
    if (link.hasAttribute("data-reset")) reset();
    else go(link.href, {});
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    event.preventDefault();
    var data = new URLSearchParams(new FormData(form, event.submitter));
    go(form.action, { method: "POST", body: data.toString() });
  });

  // A long press would open the browser's menu, with links out of the kiosk.
  document.addEventListener("contextmenu", function (event) { event.preventDefault(); });

  // ---- Clearing the screen -----------------------------------------------------------------------------

  function reset() {
    closeIdle();
    // Whatever was typed or shown goes at once, even before the first screen arrives (or if it cannot).
    root().querySelectorAll("form").forEach(function (form) { form.reset(); });
    root().querySelectorAll("input, textarea").forEach(function (field) {
      if (field.type !== "hidden" && field.type !== "radio") field.value = "";
    });
    root().querySelector("main").replaceChildren();
    busy = false;
    go(setting("home"), {});
  }

  function atRest() {
    return setting("screen") === "home" && setting("lang") === setting("defaultLang");
  }

  function openIdle() {
    idleOpen = true;
    var dialog = root().querySelector(".idle");
    dialog.hidden = false;
    dialog.querySelector("[data-stay]").focus();
  }

  function closeIdle() {
    idleOpen = false;
    var dialog = root().querySelector(".idle");
    if (dialog) dialog.hidden = true;
  }

  function touched(event) {
    lastTouch = Date.now();
    // A touch closes the question by its click on the overlay, so it never falls through to what is under.
    if (idleOpen && event.type === "keydown") closeIdle();
  }

  ["pointerdown", "touchstart", "keydown", "input"].forEach(function (type) {
    document.addEventListener(type, touched, { capture: true, passive: true });
  });

  setInterval(function () {
    if (atRest()) { lastTouch = Date.now(); return; }
    var idle = (Date.now() - lastTouch) / 1000;
    var left = Math.ceil(seconds("idle") + seconds("countdown") - idle);
    if (!idleOpen && idle >= seconds("idle")) openIdle();
    if (idleOpen) {
      root().querySelector(".idle .count").textContent = String(Math.max(left, 0));
      if (left <= 0) reset();
    }
  }, 250);

  // ---- The number keypad -------------------------------------------------------------------------------

  // Damm's check digit, as the office computes it: a reference is right when its digits reduce to 0.
  var DAMM = ["0317598642", "7092154863", "4206871359", "1750983426", "6123045978",
              "3674209581", "5869720134", "8945362017", "9438617205", "2581436790"];

  function damm(digits) {
    var interim = 0;
    for (var i = 0; i < digits.length; i++) interim = Number(DAMM[interim][Number(digits[i])]);
    return interim;
  }

  function numberField() { return root().querySelector("input[data-kind]"); }

  function say(field, text) {
    document.getElementById(field.id + "-message").textContent = text;
  }

  function check(field) {
    var digits = field.value;
    var length = Number(field.dataset.length);
    var complete = field.dataset.kind === "phone" ? digits.length >= 10 : digits.length === length;
    var valid = complete && (field.dataset.kind !== "reference" || damm(digits) === 0);
    field.classList.toggle("valid", valid);
    field.setAttribute("aria-invalid", complete && !valid ? "true" : "false");
    if (complete && !valid) say(field, field.dataset.typo);
    else if (!complete && field.dataset.kind !== "phone" && digits.length > 0)
      say(field, field.dataset.more.replace("{n}", String(length - digits.length)));
    else say(field, "");
    return valid;
  }

  function press(field, key) {
    var digits = field.value.replace(/\D/g, "");
    if (key === "back") digits = digits.slice(0, -1);
    else if (digits.length < Number(field.dataset.length)) digits += key;
    field.value = digits;
    // A complete reference or phone ending is looked up at once: a receipt's scanner types just the digits.
    if (check(field) && field.dataset.kind !== "phone") field.form.requestSubmit();
  }

  function setUpKeypad(pad) {
    var field = document.getElementById(pad.dataset.keypad);
    // The keys and a scanner type; no phone keyboard pops up over the screen.
    field.readOnly = true;
    field.setAttribute("inputmode", "none");
    field.value = field.value.replace(/\D/g, "");
    if (field.value) check(field);
    pad.addEventListener("click", function (event) {
      var key = event.target.closest("button[data-key]");
      if (key) press(field, key.dataset.key);
    });
    field.form.addEventListener("submit", function (event) {
      if (!check(field)) {
        event.stopImmediatePropagation();
        event.preventDefault();
        if (!field.value || field.dataset.kind === "phone") say(field, field.dataset.more.replace("{n}",
          String(Math.max(Number(field.dataset.length) - field.value.length, 1))));
      }
    }, true);
  }

  document.addEventListener("keydown", function (event) {
    var field = numberField();
    if (!field || event.ctrlKey || event.altKey || event.metaKey) return;
    // Space and Enter still work the focused choice or button for someone using a keyboard.
    var focused = document.activeElement;
    if ((event.key === " " || event.key === "Enter") && focused !== field &&
        (focused.tagName === "BUTTON" || focused.type === "radio")) return;
    if (/^[0-9]$/.test(event.key)) press(field, event.key);
    else if (event.key === "Backspace") press(field, "back");
    else if (event.key === "Enter") field.form.requestSubmit();
    else if (event.key.length === 1) say(field, field.dataset.onlyDigits);
    else return;
    event.preventDefault();
  });

  // ---- The letter keyboard and ready messages ----------------------------------------------------------

  function setUpKeyboard(board) {
    var form = board.closest("form");
    var target = form.querySelector("textarea");
    var capital = false;
    board.hidden = false;
    form.querySelectorAll("textarea, input:not([type=hidden]):not([type=radio])").forEach(function (field) {
      field.setAttribute("inputmode", "none");
      field.addEventListener("focus", function () { target = field; });
    });
    board.addEventListener("click", function (event) {
      var key = event.target.closest("button[data-key]");
      if (!key) return;
      var value = key.dataset.key;
      if (value === "shift") {
        capital = !capital;
        key.setAttribute("aria-pressed", String(capital));
        return;
      }
      var max = Number(target.getAttribute("maxlength")) || Infinity;
      if (value === "back") target.value = target.value.slice(0, -1);
      else if (target.value.length < max) target.value += capital ? value.toUpperCase() : value;
      // One capital letter per press, as on a phone's keyboard.
      if (capital && value !== "back") {
        capital = false;
        board.querySelector('[data-key="shift"]').setAttribute("aria-pressed", "false");
      }
      target.dispatchEvent(new Event("input", { bubbles: true }));
    });
    form.querySelectorAll("[data-phrase]").forEach(function (chip) {
      chip.addEventListener("click", function () {
        var text = form.querySelector("textarea");
        text.value = (text.value.trim() ? text.value.trim() + " " : "") + chip.dataset.phrase;
        target = text;
      });
    });
  }

  // ---- Each new screen ---------------------------------------------------------------------------------

  function setUp() {
    var screen = root();
    screen.querySelectorAll("[data-keypad]").forEach(setUpKeypad);
    screen.querySelectorAll("[data-keyboard]").forEach(setUpKeyboard);
    screen.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
    screen.querySelector(".idle").addEventListener("click", closeIdle);
    var first = screen.querySelector("[autofocus]") || screen.querySelector("h1");
    if (first) first.focus({ preventScroll: true });
  }

  setUp();
})();
