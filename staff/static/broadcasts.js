// Broadcasts: the composer's live SMS counter and the progress page's refresh.
// The page works without it; the server's preview figures are the truth.
(function () {
  "use strict";

  var tablesNode = document.getElementById("gsm-tables");
  var tables = tablesNode ? JSON.parse(tablesNode.textContent) : null;

  // Parts when each indivisible character goes whole into fixed-size parts (office.gsm._pack).
  function pack(costs, limit) {
    var parts = 1, used = 0;
    costs.forEach(function (cost) {
      if (used + cost > limit) { parts += 1; used = 0; }
      used += cost;
    });
    return parts;
  }

  // The same measure as office.gsm.analyze: encoding, units, segments, and the limit that applied.
  function analyze(text) {
    var chars = Array.from(text);
    var gsm7 = chars.every(function (ch) {
      return tables.basic.indexOf(ch) >= 0 || tables.extended.indexOf(ch) >= 0;
    });
    var limits = gsm7 ? tables.limits.gsm7 : tables.limits.ucs2;
    var costs = chars.map(function (ch) {
      if (gsm7) return tables.extended.indexOf(ch) >= 0 ? 2 : 1;
      return ch.codePointAt(0) > 0xFFFF ? 2 : 1;
    });
    var units = costs.reduce(function (a, b) { return a + b; }, 0);
    if (units <= limits[0]) {
      return {encoding: gsm7 ? "GSM-7" : "UCS-2", units: units, segments: 1, perSegment: limits[0]};
    }
    return {encoding: gsm7 ? "GSM-7" : "UCS-2", units: units, segments: pack(costs, limits[1]), perSegment: limits[1]};
  }
  window.lekasSmsLength = analyze;

  function nonGsm(text) {
    var seen = [];
    Array.from(text).forEach(function (ch) {
      if (tables.basic.indexOf(ch) < 0 && tables.extended.indexOf(ch) < 0 && seen.indexOf(ch) < 0) seen.push(ch);
    });
    return seen;
  }

  function codeOf(ch) { return "U+" + ch.codePointAt(0).toString(16).toUpperCase().padStart(4, "0"); }

  function setUp(counter) {
    var area = document.getElementById(counter.dataset.counterFor);
    var figure = function (name) { return counter.querySelector("[data-figure=" + name + "]"); };
    var label = counter.dataset;
    function update() {
      var length = analyze(area.value);
      figure("chars").textContent = Array.from(area.value).length;
      figure("encoding").textContent = length.encoding;
      figure("segments").textContent = length.segments;
      var used = length.units <= length.perSegment ? length.units : length.units % length.perSegment;
      figure("left").textContent = length.perSegment - used;
      counter.classList.toggle("is-ucs2", length.encoding === "UCS-2");
      var list = figure("ucs2");
      var items = list.querySelector("ul");
      items.textContent = "";
      nonGsm(area.value).forEach(function (ch) {
        var li = document.createElement("li");
        var mark = document.createElement("mark");
        mark.textContent = ch.trim() ? ch : codeOf(ch);
        li.appendChild(mark);
        li.appendChild(document.createTextNode(" " + codeOf(ch) + " "));
        var replacement = tables.replacements[ch];
        if (replacement !== undefined) {
          var button = document.createElement("button");
          button.type = "button";
          button.className = "replace";
          button.textContent = (label.replaceWith || "Replace with") + " " + (replacement || "∅");
          button.addEventListener("click", function () {
            area.value = area.value.split(ch).join(replacement);
            update();
            area.focus();
          });
          li.appendChild(button);
        }
        items.appendChild(li);
      });
      list.hidden = !items.children.length;
    }
    area.addEventListener("input", update);
    counter.hidden = false;
    update();
  }

  if (tables) document.querySelectorAll("[data-counter-for]").forEach(setUp);

  // Only the chosen audience's own fields show.
  var form = document.getElementById("broadcast-form");
  if (form) {
    var showAudience = function () {
      var chosen = form.querySelector("input[name=audience]:checked");
      form.querySelectorAll("[data-audience]").forEach(function (part) {
        part.hidden = !chosen || part.dataset.audience !== chosen.value;
      });
    };
    form.addEventListener("change", showAudience);
    showAudience();
  }

  // The preview answers the form further down the page: bring it into view, and to screen readers.
  var preview = document.getElementById("preview");
  if (preview && !document.querySelector("[aria-invalid=true]")) preview.focus();

  // The progress page asks for its figures every few seconds until the broadcast is over.
  var progress = document.getElementById("progress");
  if (progress && (progress.dataset.status === "scheduled" || progress.dataset.status === "sending")) {
    var timer = window.setInterval(function () {
      fetch(progress.dataset.progressUrl, {headers: {Accept: "application/json"}, credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) return;
          Object.keys(data.counts).forEach(function (state) {
            var cell = progress.querySelector("[data-count=" + state + "]");
            if (cell) cell.textContent = data.counts[state];
          });
          ["no_delivery_report", "retried", "percent"].forEach(function (name) {
            var cell = progress.querySelector("[data-count=" + name + "]");
            if (cell) cell.textContent = data[name];
          });
          progress.querySelector(".bar").value = data.percent;
          if (!data.cancellable) {
            window.clearInterval(timer);
            // The status badge, the cancel button and the finish time change: show the page as it now is.
            window.location.reload();
          }
        })
        .catch(function () { /* The next tick tries again. */ });
    }, 3000);
  }
})();
