/* Attendant console: the agency's switchboard calls live over ws/attendant/, directory with presence, keyboard first. */
(function () {
  "use strict";
  const gettext = window.gettext || ((s) => s);
  const STATES = {
    waiting: gettext("Venter"), ringing: gettext("Ringer operatør"), talking: gettext("I samtale"),
    held: gettext("På vent"), transferring: gettext("Settes over"), consult_ringing: gettext("Ringer mottaker"),
    consulting: gettext("Varsler mottaker"),
  };
  const PRESENCE = {
    available: gettext("Tilgjengelig"), busy: gettext("Opptatt"), away: gettext("Borte"), dnd: gettext("Ikke forstyrr"),
    offline: gettext("Frakoblet"),
  };
  const $ = (id) => document.getElementById(id);
  const calls = {}, who = {}, presence = {};
  let ws = null, retry = 0, reqId = 0, me = "", selected = null, results = [], person = -1;
  const pending = {};

  function toast(text, kind) {
    const el = document.createElement("div");
    el.className = "toast " + (kind || ""); el.setAttribute("role", "alert"); el.textContent = text;
    document.body.appendChild(el); setTimeout(() => el.remove(), 6000);
  }
  function send(action, data) {
    return new Promise((resolve, reject) => {
      if (!ws || ws.readyState !== WebSocket.OPEN) { reject(new Error(gettext("Ikke tilkoblet."))); return; }
      const id = ++reqId; pending[id] = { resolve, reject };
      ws.send(JSON.stringify(Object.assign({ action: action, id: id }, data || {})));
    });
  }
  function act(action, data) { return send(action, data).catch((e) => { toast(e.message, "error"); throw e; }); }
  function setConn(state, text) { const el = $("conn"); el.dataset.state = state; el.textContent = text; }
  function connect() {
    setConn("connecting", gettext("Kobler til …"));
    ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/attendant/");
    ws.onopen = () => { retry = 0; setConn("up", gettext("Tilkoblet")); };
    ws.onclose = () => {
      setConn("down", gettext("Frakoblet – kobler til igjen …"));
      for (const id in pending) { pending[id].reject(new Error(gettext("Forbindelsen ble brutt."))); delete pending[id]; }
      retry = Math.min(retry + 1, 5); setTimeout(connect, 500 * retry);
    };
    ws.onmessage = (ev) => handle(JSON.parse(ev.data));
  }
  function handle(msg) {
    if (msg.type === "snapshot") {
      me = msg.me; for (const k in calls) delete calls[k];
      for (const c of msg.calls) calls[c.call_id] = c;
      render();
    } else if (msg.type === "update") {
      for (const c of msg.changes) {
        if (c.kind === "sb_call") { if (c.gone) delete calls[c.call_id]; else calls[c.call_id] = c; }
        else if (c.kind === "presence") presence[c.person_id] = c;
      }
      render(); if (msg.changes.some((c) => c.kind === "presence")) renderResults();
    } else if (msg.type === "lookup") {
      who[msg.call_id] = msg; render();
    } else if (msg.type === "presence") {
      Object.assign(presence, msg.people); renderResults();
    } else if (msg.type === "status") {
      if (msg.status && msg.status.state === "engine_unavailable") setConn("engine-down", gettext("Motoren svarer ikke – prøver igjen"));
    } else if (msg.type === "ok" || msg.type === "error") {
      const p = pending[msg.id];
      if (p) { delete pending[msg.id]; msg.type === "ok" ? p.resolve(msg.result) : p.reject(new Error(msg.error)); }
      else if (msg.type === "error") toast(msg.error, "error");
    }
  }
  function fmt(seconds) {
    seconds = Math.max(0, Math.floor(seconds)); const m = Math.floor(seconds / 60), s = seconds % 60;
    return (m ? m + " min " : "") + s + " s";
  }
  function ordered() {
    // Returned calls first (they already waited once), then by arrival.
    return Object.values(calls).sort((a, b) => (b.returned - a.returned) || (a.arrived - b.arrived));
  }
  function whoText(c) {
    const w = who[c.call_id];
    if (!w) return c.name || "…";
    const m = w.match;
    let text = m ? [m.name, m.title, m.department || m.company].filter(Boolean).join(", ") : (c.name || gettext("Ukjent"));
    if (w.unavailable && w.unavailable.length) text += " (" + gettext("katalog utilgjengelig") + ": " + w.unavailable.join(", ") + ")";
    return text;
  }
  function render() {
    const body = $("sb-calls"), list = ordered();
    body.innerHTML = "";
    $("waiting-count").textContent = list.filter((c) => c.state === "waiting").length;
    if (!list.length) {
      const tr = body.insertRow(); tr.className = "empty";
      const td = tr.insertCell(); td.colSpan = 4; td.textContent = gettext("Ingen venter");
    }
    if (selected && !calls[selected]) selected = null;
    for (const c of list) {
      const tr = body.insertRow();
      tr.dataset.call = c.call_id; tr.className = "sb-call" + (c.returned ? " returned" : "") + (c.call_id === selected ? " selected" : "");
      tr.insertCell().textContent = c.number || gettext("Skjult nummer");
      tr.insertCell().textContent = whoText(c);
      const w = tr.insertCell(); w.className = "ticking"; w.dataset.since = c.arrived; w.textContent = fmt(Date.now() / 1000 - c.arrived);
      let st = STATES[c.state] || c.state;
      if (c.operator && c.operator !== me && c.state !== "waiting") st += " (" + gettext("annen operatør") + ")";
      const td = tr.insertCell(); td.textContent = st;
      if (c.returned) { const s = document.createElement("span"); s.className = "mark"; s.textContent = " " + gettext("Tilbake fra") + " " + (c.returned_from || ""); td.appendChild(s); }
      tr.onclick = () => { selected = c.call_id; render(); };
    }
    const cur = selected && calls[selected];
    $("current").hidden = !cur;
    if (cur) { $("cur-number").textContent = cur.number; $("cur-who").textContent = whoText(cur); }
  }
  setInterval(() => document.querySelectorAll("[data-since]").forEach((el) => {
    el.textContent = fmt(Date.now() / 1000 - parseFloat(el.dataset.since));
  }), 1000);

  function renderResults() {
    const ul = $("sb-results"); ul.innerHTML = "";
    results.forEach((r, i) => {
      const li = document.createElement("li"); li.className = "dir" + (i === person ? " selected" : "");
      const p = r.person_id && (presence[r.person_id] || r.presence);
      const pres = document.createElement("span");
      pres.className = "pres pres-" + (p ? p.status : "none"); pres.textContent = p ? (PRESENCE[p.status] || p.status) + (p.note ? " – " + p.note : "") : "";
      li.appendChild(pres);
      li.appendChild(document.createTextNode(" " + [r.name, r.title, r.department || r.company, (r.numbers || []).join(" / "), r.email, r.source].filter(Boolean).join(" · ")));
      li.onclick = () => { person = i; renderResults(); };
      ul.appendChild(li);
    });
  }
  let searchTimer = null;
  $("sb-search").addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => send("search", { q: $("sb-search").value }).then((found) => {
      results = found.results; person = results.length ? 0 : -1; renderResults();
      const un = $("dir-unavailable"); un.hidden = !found.unavailable.length;
      un.textContent = gettext("Utilgjengelig nå") + ": " + found.unavailable.join(", ");
    }).catch((e) => toast(e.message, "error")), 150);
  });
  function target() {
    const r = results[person];
    const n = r && (r.numbers || [])[0];
    if (!n) { toast(gettext("Velg en person med nummer i katalogen."), "error"); return null; }
    return n;
  }
  function current() { if (!selected) toast(gettext("Velg en samtale først."), "error"); return selected; }
  const ops = {
    answer: () => { const c = current(); if (c) act("answer", { call_id: c }); },
    hold: () => { const c = current(); if (c) act("hold", { call_id: c }); },
    hangup: () => { const c = current(); if (c) act("hangup", { call_id: c }); },
    complete: () => { const c = current(); if (c) act("complete", { call_id: c }); },
    cancel: () => { const c = current(); if (c) act("cancel", { call_id: c }); },
    blind: () => { const c = current(), n = c && target(); if (n) act("transfer", { call_id: c, number: n, announced: false }); },
    announced: () => { const c = current(), n = c && target(); if (n) act("transfer", { call_id: c, number: n, announced: true }); },
    message: () => {
      const r = results[person];
      if (!r || !r.person_id) { toast(gettext("Velg en person i etaten fra katalogen."), "error"); return; }
      $("message-form").hidden = false; $("msg-to").textContent = r.name;
      const c = selected && calls[selected]; const w = c && who[c.call_id];
      $("msg-name").value = (w && w.match && w.match.name) || (c && c.name) || ""; $("msg-text").focus();
    },
  };
  for (const [name, fn] of Object.entries(ops)) { const b = $("btn-" + name); if (b) b.onclick = fn; }
  $("message-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const r = results[person], c = selected && calls[selected];
    act("message", { person_id: r.person_id, text: $("msg-text").value, caller_name: $("msg-name").value,
                     caller_number: c ? c.number : "",
                     channel: (document.querySelector("input[name=msg-channel]:checked") || {}).value || "email" }).then(() => {
      toast(gettext("Beskjeden er sendt."), "ok"); $("message-form").hidden = true; $("msg-text").value = "";
    });
  });
  $("my-status").addEventListener("change", () => act("status", { status: $("my-status").value, note: "" }));
  function move(step) {
    const list = ordered(); if (!list.length) return;
    const i = list.findIndex((c) => c.call_id === selected);
    selected = list[(i + step + list.length) % list.length].call_id; render();
  }
  document.addEventListener("keydown", (ev) => {
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
    if (ev.key === "Enter" && ev.ctrlKey && !$("message-form").hidden) { $("message-form").requestSubmit(); ev.preventDefault(); return; }
    if (ev.altKey && (ev.key === "ArrowDown" || ev.key === "ArrowUp")) {
      if (results.length) { person = (person + (ev.key === "ArrowDown" ? 1 : -1) + results.length) % results.length; renderResults(); }
      ev.preventDefault(); return;
    }
    if (ev.key === "Escape") { if (typing) document.activeElement.blur(); else ops.cancel(); ev.preventDefault(); return; }
    if (typing) return;
    const keys = { Enter: ops.answer, v: ops.hold, l: ops.hangup, f: ops.complete, b: ops.blind, a: ops.announced, m: ops.message,
                   ArrowDown: () => move(1), ArrowUp: () => move(-1),
                   n: () => { const w = ordered().find((c) => c.state === "waiting"); if (w) { selected = w.call_id; render(); } },
                   "/": () => $("sb-search").focus(), "?": () => { const d = document.querySelector("details.keys"); d.open = !d.open; } };
    const fn = keys[ev.key] || keys[ev.key.toLowerCase()];
    if (fn) { fn(); ev.preventDefault(); }
  });
  connect();
})();
