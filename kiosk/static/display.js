// The lobby's TV: draws the board, polls for changes, and chimes and speaks each new call.
//
// Short polling, not server-sent events or a websocket: every poll is a plain short request, so a gunicorn
// sync worker is never held by an open stream, and a server restart needs no reconnection logic: the
// next poll that gets an answer brings the board up to date. While polls fail the last board stays on the
// screen with a small "reconnecting" note and the polls back off; the page is never reloaded.
//
// Browsers allow sound only after a user gesture. The TV runs Chromium with
// --autoplay-policy=no-user-gesture-required; anywhere else the board works silently and a note asks for
// one touch to turn the sound on.
(() => {
  "use strict";
  const root = document.getElementById("display");
  const words = JSON.parse(document.getElementById("display-words").textContent);
  const POLL_MS = Number(root.dataset.poll);
  const MAX_BACKOFF_MS = 4000;
  const REQUEST_TIMEOUT_MS = 5000;
  const FAILURES_BEFORE_NOTE = 2;
  // The worker renders a new sentence within a second or two; after these tries the call stays silent.
  const AUDIO_TRIES = 6;
  const AUDIO_RETRY_MS = 800;
  const FRESH_MS = 15000;

  let version = null;
  let last = null;
  let failures = 0;
  const seen = new Set();
  const freshUntil = new Map();
  const clockOffset = Number(root.dataset.now) - Date.now();
  const $ = (selector, within = root) => within.querySelector(selector);
  const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

  // --- The board -----------------------------------------------------------------------------------------

  const clone = id => document.getElementById(id).content.firstElementChild.cloneNode(true);
  const fill = (el, values) => {
    for (const [selector, text] of Object.entries(values)) $(selector, el).textContent = text;
    return el;
  };

  function counterRow(counter, now) {
    const call = counter.call;
    const row = fill(clone("counter-row"), {
      ".counter-name": counter.name,
      ".number": call ? call.number : "—",
      ".status": call ? words[call.status] || "" : (counter.open ? words.ready : words.closed),
    });
    row.dataset.code = counter.code;
    row.classList.toggle("closed", !counter.open && !call);
    if (call) {
      row.classList.add(call.status);
      row.dataset.callId = call.call_id;
      // Lit while the citizen is being called; once at the counter the call is news no more.
      row.classList.toggle("fresh", call.status === "called" && (freshUntil.get(call.call_id) || 0) > now);
    }
    return row;
  }

  function render(state) {
    const now = Date.now();
    $(".counters").replaceChildren(...state.counters.map(counter => counterRow(counter, now)));
    $(".recent-list").replaceChildren(...state.recent.map(call => fill(clone("recent-row"), {
      ".number": call.number, ".where": call.counter, ".when": call.time,
    })));
    $(".recent .empty").hidden = state.recent.length > 0;
    $(".group-list").replaceChildren(...state.groups.map(group => {
      const tile = fill(clone("group-tile"), {
        ".letter": group.letter,
        ".group-name": group.name[root.dataset.lang] || group.name.id,
        ".count strong": String(group.waiting),
        ".estimate": group.waiting ? words.estimate.replace("{minutes}", group.estimate) : "",
      });
      tile.classList.toggle("idle", group.waiting === 0);
      return tile;
    }));
    root.dataset.version = state.version;
  }

  function apply(state, announceNew) {
    for (const counter of state.counters) {
      const call = counter.call;
      if (!call || seen.has(call.call_id)) continue;
      seen.add(call.call_id);
      if (announceNew && call.status === "called") {
        freshUntil.set(call.call_id, Date.now() + FRESH_MS);
        setTimeout(() => render(last), FRESH_MS + 50);
        announce(call);
      }
    }
    version = state.version;
    last = state;
    render(state);
  }

  // --- Polling -------------------------------------------------------------------------------------------

  async function poll() {
    let delay = POLL_MS;
    try {
      const url = root.dataset.state + (version ? "?since=" + encodeURIComponent(version) : "");
      const response = await fetch(url, {cache: "no-store", signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)});
      if (response.status === 200) apply(await response.json(), true);
      else if (response.status !== 204) throw new Error("state answered " + response.status);
      failures = 0;
    } catch (_error) {
      failures += 1;
      delay = Math.min(POLL_MS * 2 ** failures, MAX_BACKOFF_MS);
    }
    $(".reconnecting").hidden = failures < FAILURES_BEFORE_NOTE;
    setTimeout(poll, delay);
  }

  // --- Sound ---------------------------------------------------------------------------------------------

  let audio = null;
  try {
    audio = new AudioContext();
  } catch (_error) {
    audio = null;  // no Web Audio: the board still works, silently
  }
  const soundOn = () => audio && audio.state === "running";
  const showSoundNote = () => { $(".sound-off").hidden = !audio || soundOn(); };
  for (const type of ["pointerdown", "keydown"]) {
    document.addEventListener(type, () => audio && audio.resume().then(showSoundNote));
  }
  if (audio) audio.onstatechange = showSoundNote;
  setTimeout(showSoundNote, 1000);

  // Two falling tones, like a station's gong, so heads turn before the words begin.
  function chime() {
    const start = audio.currentTime + 0.05;
    [[659.25, 0], [523.25, 0.45]].forEach(([frequency, at]) => {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.type = "sine";
      tone.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start + at);
      gain.gain.exponentialRampToValueAtTime(0.5, start + at + 0.03);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + at + 0.9);
      tone.connect(gain).connect(audio.destination);
      tone.start(start + at);
      tone.stop(start + at + 0.95);
    });
    return sleep(1500);
  }

  async function fetchSpeech(call) {
    const url = root.dataset.audio.replace("KEY.wav", call.audio);
    for (let attempt = 1; attempt <= AUDIO_TRIES; attempt += 1) {
      try {
        const response = await fetch(url, {signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)});
        if (response.ok) return await audio.decodeAudioData(await response.arrayBuffer());
      } catch (_error) {
        // the server is restarting, or the file is not rendered yet: try again below
      }
      await sleep(AUDIO_RETRY_MS * attempt);
    }
    return null;
  }

  function play(buffer) {
    return new Promise(resolve => {
      const source = audio.createBufferSource();
      source.buffer = buffer;
      source.connect(audio.destination);
      source.onended = resolve;
      source.start();
    });
  }

  // Calls made together are said one after the other, never on top of each other.
  const pending = [];
  let speaking = false;

  async function announce(call) {
    $("#spoken").textContent = words.new_call.replace("{number}", call.number).replace("{counter}", call.counter);
    pending.push(call);
    if (speaking) return;
    speaking = true;
    while (pending.length) {
      const next = pending.shift();
      root.dataset.announcing = next.call_id;
      if (soundOn()) {
        const speech = fetchSpeech(next);
        await chime();
        const buffer = await speech;
        if (buffer && soundOn()) await play(buffer);
        root.dataset.spoken = next.call_id + (buffer ? "" : " silent");
      }
    }
    speaking = false;
  }

  // --- The clock -----------------------------------------------------------------------------------------

  const locale = root.dataset.lang === "id" ? "id-ID" : "en-GB";
  const timeFormat = new Intl.DateTimeFormat(locale, {timeZone: root.dataset.tz, hour: "2-digit", minute: "2-digit"});
  const dateFormat = new Intl.DateTimeFormat(locale, {timeZone: root.dataset.tz, weekday: "long", day: "numeric",
                                                      month: "long", year: "numeric"});
  function tick() {
    const now = new Date(Date.now() + clockOffset);
    $(".clock .time").textContent = timeFormat.format(now);
    $(".clock .date").textContent = dateFormat.format(now);
    setTimeout(tick, 1000 - (now.getTime() % 1000));
  }

  // --- The screen ----------------------------------------------------------------------------------------

  function fit() {
    root.style.zoom = Math.min(window.innerWidth / 1920, window.innerHeight / 1080);
  }
  window.addEventListener("resize", fit);

  fit();
  apply(JSON.parse(document.getElementById("display-state").textContent), false);
  tick();
  setTimeout(poll, POLL_MS);
})();
