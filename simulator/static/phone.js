// The simulator's phone page: plain fetch() against the simulator's own JSON API.
"use strict";

const USSD_BUDGET = 160; // characters a USSD screen can safely hold
const POLL_MS = 1500;

const $ = (id) => document.getElementById(id);
// seen: received messages the user has looked at; known: received messages already drawn.
const state = { phone: "", seen: 0, known: 0, lastKey: "", first: true, sessionOpen: false };

const OPERATORS = [
  [["811", "812", "813", "821", "822", "823", "851", "852", "853"], "Telkomsel"],
  [["814", "815", "816", "855", "856", "857", "858"], "Indosat"],
  [["817", "818", "819", "859", "877", "878", "831", "832", "833", "838"], "XL Axiata"],
  [["895", "896", "897", "898", "899"], "Tri"],
  [["881", "882", "883", "884", "885", "886", "887", "888", "889"], "Smartfren"],
];

function digitsAfterCountry(number) {
  const digits = number.replace(/[^0-9]/g, "");
  if (digits.startsWith("62")) return digits.slice(2);
  if (digits.startsWith("0")) return digits.slice(1);
  return digits;
}

function operatorOf(number) {
  const prefix = digitsAfterCountry(number).slice(0, 3);
  const found = OPERATORS.find(([prefixes]) => prefixes.includes(prefix));
  return found ? found[1] : "Athena";
}

async function api(method, path, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const answer = await fetch(path, options);
  const data = await answer.json().catch(() => ({}));
  if (!answer.ok) throw new Error(data.error || `HTTP ${answer.status}`);
  return data;
}

// --- phone number -----------------------------------------------------------

function setPhone(number) {
  state.phone = number.trim();
  state.seen = 0;
  state.known = 0;
  state.lastKey = "";
  state.first = true;
  $("phone-number").value = state.phone;
  $("operator").textContent = operatorOf(state.phone);
  document.querySelectorAll(".chip").forEach((chip) => {
    chip.classList.toggle("active", chip.dataset.number === state.phone);
  });
  localStorage.setItem("telco-phone", state.phone);
  refreshThread();
}

// --- dialler and USSD -------------------------------------------------------

function updateDialButton() {
  const code = $("dial-display").textContent;
  $("dial").firstChild.textContent = `Panggil ${code}`;
}

function pressKey(key) {
  const display = $("dial-display");
  if (display.textContent.length < 30) display.textContent += key;
  updateDialButton();
}

function showUssd({ screen, ended, chars, loading, error }) {
  $("ussd").hidden = false;
  const screenBox = $("ussd-screen");
  screenBox.textContent = screen;
  screenBox.classList.toggle("loading", Boolean(loading));
  const counter = $("ussd-chars");
  counter.classList.remove("over", "error");
  if (loading) {
    counter.textContent = "";
  } else if (error) {
    counter.textContent = `Sesi gagal · Session failed: ${error}`;
    counter.classList.add("error");
  } else {
    const over = chars > USSD_BUDGET;
    counter.textContent = `${chars} karakter · characters` + (over ? ` — melebihi ${USSD_BUDGET} / over ${USSD_BUDGET}` : "");
    counter.classList.toggle("over", over);
  }
  const waiting = Boolean(loading);
  $("ussd-input").hidden = ended || waiting;
  $("ussd-send").hidden = ended || waiting;
  $("ussd-cancel").hidden = ended;
  $("ussd-ok").hidden = !ended;
  state.sessionOpen = !ended;
  if (!ended && !waiting) {
    $("ussd-input").value = "";
    $("ussd-input").focus();
  } else if (ended) {
    $("ussd-ok").focus();
  }
}

function closeUssd() {
  $("ussd").hidden = true;
  state.sessionOpen = false;
}

async function ussdStep(input) {
  showUssd({ screen: "Menjalankan kode USSD…\nRunning USSD code…", ended: false, loading: true });
  try {
    const body = { phone: state.phone };
    if (input !== undefined) body.input = input;
    const result = await api("POST", "/api/ussd", body);
    showUssd(result);
  } catch (error) {
    showUssd({ screen: "Gagal / Failed", ended: true, error: error.message });
    markNumber(error);
  }
}

function dial() {
  const code = $("dial-display").textContent;
  if (code !== window.TELCO.ussdCode) {
    showUssd({ screen: `Kode USSD tidak dikenal: ${code}`, ended: true,
               error: `unknown USSD code; Lekas answers ${window.TELCO.ussdCode}` });
    return;
  }
  ussdStep(undefined);
}

async function cancelUssd() {
  closeUssd();
  await api("POST", "/api/ussd/end", { phone: state.phone }).catch(() => {});
}

// --- SMS ---------------------------------------------------------------------

const GSM7 = new Set(("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà").split(""));
const GSM7_EXT = new Set("\f^{}\\[]~|€".split(""));

function smsParts(text) {
  let septets = 0;
  for (const ch of text) {
    if (GSM7.has(ch)) septets += 1;
    else if (GSM7_EXT.has(ch)) septets += 2;
    else {
      const units = text.length;
      return units <= 70 ? 1 : Math.ceil(units / 67);
    }
  }
  return septets <= 160 ? 1 : Math.ceil(septets / 153);
}

function timeOf(iso) {
  const date = new Date(iso);
  return isNaN(date) ? "" : date.toLocaleTimeString("id-ID", { hour: "2-digit", minute: "2-digit" });
}

function bubble(item) {
  const node = document.createElement("div");
  node.className = `bubble ${item.kind}`;
  node.textContent = item.text;
  const meta = document.createElement("span");
  meta.className = "meta";
  if (item.kind === "in") {
    meta.textContent = `${item.from} · ${timeOf(item.at)} · ${item.segments} SMS`;
    node.dataset.messageId = item.messageId;
  } else {
    const ok = item.status_code && item.status_code < 300;
    if (!ok) node.classList.add("failed");
    meta.textContent = `${timeOf(item.at)} · ` + (ok ? "terkirim / sent" :
      `gagal / failed (${item.error || "HTTP " + item.status_code})`);
  }
  node.appendChild(meta);
  return node;
}

async function refreshThread() {
  const phone = state.phone;
  if (!phone) return;
  let received, sent;
  try {
    [received, sent] = await Promise.all([
      api("GET", `/api/messages?phone=${encodeURIComponent(phone)}`),
      api("GET", `/api/sms?phone=${encodeURIComponent(phone)}`),
    ]);
  } catch (error) {
    markNumber(error);
    return;
  }
  if (phone !== state.phone) return;
  markNumber(null);
  const items = [
    ...received.map((m) => ({ ...m, kind: "in" })),
    ...sent.map((m) => ({ ...m, kind: "out" })),
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const key = `${received.length}/${sent.length}`;
  if (key === state.lastKey) return;
  state.lastKey = key;

  const thread = $("thread");
  thread.querySelectorAll(".bubble").forEach((node) => node.remove());
  $("thread-empty").hidden = items.length > 0;
  items.forEach((item) => thread.appendChild(bubble(item)));
  thread.scrollTop = thread.scrollHeight;

  const onSmsTab = !$("tab-sms").hidden;
  if (!state.first && !onSmsTab && received.length > state.known) {
    const last = received[received.length - 1];
    notify(`SMS baru dari ${last.from} · New SMS`, last.text);
  }
  state.first = false;
  state.known = received.length;
  if (onSmsTab) state.seen = received.length;
  const unread = received.length - state.seen;
  $("unread").hidden = unread <= 0;
  $("unread").textContent = unread;
}

let bannerTimer = null;
function notify(title, text) {
  const banner = $("banner");
  banner.innerHTML = "";
  const strong = document.createElement("strong");
  strong.textContent = title;
  banner.append(strong, text.length > 90 ? text.slice(0, 90) + "…" : text);
  banner.hidden = false;
  clearTimeout(bannerTimer);
  bannerTimer = setTimeout(() => { banner.hidden = true; }, 4000);
}

function markNumber(error) {
  const invalid = error && /phone/i.test(error.message);
  $("phone-number").classList.toggle("invalid", Boolean(invalid));
}

async function sendSms(event) {
  event.preventDefault();
  const text = $("sms-text").value.trim();
  if (!text) return;
  $("sms-send").disabled = true;
  try {
    await api("POST", "/api/sms", { phone: state.phone, text });
    $("sms-text").value = "";
    updateCounter();
  } catch (error) {
    notify("Tidak terkirim · Not sent", error.message);
  } finally {
    $("sms-send").disabled = false;
    refreshThread();
  }
}

function updateCounter() {
  const text = $("sms-text").value;
  $("sms-counter").textContent = `${text.length} karakter · ${smsParts(text)} SMS`;
}

function showTab(name) {
  document.querySelectorAll(".tab-button").forEach((button) => {
    button.classList.toggle("active", button.dataset.tab === name);
  });
  $("tab-dial").hidden = name !== "dial";
  $("tab-sms").hidden = name !== "sms";
  if (name === "sms") {
    state.lastKey = "";
    refreshThread();
  }
}

// --- faults and counters ------------------------------------------------------

function fillFaults(faults) {
  const form = $("faults");
  for (const input of form.querySelectorAll("input")) {
    const value = faults[input.name];
    input.value = "share" in input.dataset ? Math.round(value * 100) : value;
  }
  form.elements.fail_codes.value = String(faults.fail_codes[0]);
  form.elements.quirk.value = faults.quirk || "";
}

async function applyFaults(event) {
  event.preventDefault();
  const form = $("faults");
  const changes = {};
  for (const input of form.querySelectorAll("input")) {
    const value = Number(input.value || 0);
    changes[input.name] = "share" in input.dataset ? value / 100 : value;
  }
  changes.fail_codes = [Number(form.elements.fail_codes.value)];
  changes.quirk = form.elements.quirk.value || null;
  try {
    fillFaults(await api("POST", "/api/faults", changes));
    setStatus("Gangguan diterapkan · Faults applied");
  } catch (error) {
    setStatus(error.message, true);
  }
}

async function resetAll() {
  await api("POST", "/api/reset");
  fillFaults(await api("GET", "/api/faults"));
  state.lastKey = "";
  state.seen = 0;
  state.known = 0;
  setStatus("Semua direset · Everything cleared");
  refreshThread();
  refreshStats();
}

function setStatus(text, isError = false) {
  const status = $("faults-status");
  status.textContent = text;
  status.classList.toggle("error", isError);
}

const STAT_LABELS = [
  ["requests", "Permintaan kirim", "Send requests"],
  ["messages", "SMS diterima telko", "Messages carried"],
  ["recipients_failed", "Penerima gagal", "Recipients failed"],
  ["dlr_sent", "Laporan terkirim", "Reports sent"],
  ["dlr_failed", "Laporan gagal", "Reports failed"],
  ["ussd_requests", "Langkah USSD", "USSD hops"],
  ["incoming_sms", "SMS masuk", "Incoming SMS"],
  ["dlr_dropped", "Laporan dibuang", "Reports dropped"],
  ["events_sent", "Akhir sesi", "Session ends"],
];

async function refreshStats() {
  let stats;
  try {
    stats = await api("GET", "/api/stats");
  } catch (error) {
    return;
  }
  const box = $("stats");
  box.innerHTML = "";
  for (const [key, id, en] of STAT_LABELS) {
    const cell = document.createElement("div");
    const term = document.createElement("dt");
    term.append(id, document.createElement("br"));
    const small = document.createElement("small");
    small.textContent = en;
    term.append(small);
    const value = document.createElement("dd");
    value.textContent = (stats[key] || 0).toLocaleString("id-ID");
    cell.append(term, value);
    box.append(cell);
  }
}

// --- wiring -------------------------------------------------------------------

function tick() {
  $("clock").textContent = new Date().toLocaleTimeString("id-ID", { hour: "2-digit", minute: "2-digit" });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".key").forEach((key) => key.addEventListener("click", () => pressKey(key.dataset.key)));
  $("clear-code").addEventListener("click", () => {
    const display = $("dial-display");
    display.textContent = display.textContent.slice(0, -1);
    updateDialButton();
  });
  $("reset-code").addEventListener("click", () => {
    $("dial-display").textContent = window.TELCO.ussdCode;
    updateDialButton();
  });
  $("dial").addEventListener("click", dial);
  $("ussd-send").addEventListener("click", () => ussdStep($("ussd-input").value));
  $("ussd-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter") ussdStep($("ussd-input").value);
    if (event.key === "Escape") cancelUssd();
  });
  $("ussd-cancel").addEventListener("click", cancelUssd);
  $("ussd-ok").addEventListener("click", closeUssd);

  document.querySelectorAll(".tab-button").forEach((button) => {
    button.addEventListener("click", () => showTab(button.dataset.tab));
  });
  $("banner").addEventListener("click", () => {
    $("banner").hidden = true;
    showTab("sms");
  });
  $("composer").addEventListener("submit", sendSms);
  $("sms-text").addEventListener("input", updateCounter);
  $("sms-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) sendSms(event);
  });

  document.querySelectorAll(".chip").forEach((chip) => chip.addEventListener("click", () => setPhone(chip.dataset.number)));
  $("phone-number").addEventListener("change", (event) => setPhone(event.target.value));

  $("faults").addEventListener("submit", applyFaults);
  $("reset-all").addEventListener("click", resetAll);

  setPhone(localStorage.getItem("telco-phone") || $("phone-number").value);
  updateDialButton();
  updateCounter();
  tick();
  api("GET", "/api/faults").then(fillFaults).catch(() => {});
  refreshStats();
  setInterval(tick, 10000);
  setInterval(refreshThread, POLL_MS);
  setInterval(refreshStats, 2000);
});
