/* Operator console: live queues, agents and calls over one WebSocket; actions go back the same way. */
(function () {
  "use strict";
  const gettext = window.gettext || ((s) => s);
  const cfg = window.CONSOLE;
  const categories = JSON.parse(document.getElementById("categories").textContent);
  const agentNames = JSON.parse(document.getElementById("agent-names").textContent);
  const ownPrefixes = JSON.parse(document.getElementById("own-prefixes").textContent);
  const STATES = {
    logged_out: gettext("Logget ut"), idle: gettext("Ledig"), ringing: gettext("Ringer"), in_call: gettext("I samtale"),
    paused: gettext("Pause"), wrapup: gettext("Etterarbeid"), unavailable: gettext("Utilgjengelig"),
  };
  // The engine's contact with Asterisk, pushed by the server: [data-state of the banner, text].
  const STATUS = {
    connected: ["up", gettext("Tilkoblet")],
    degraded: ["degraded", gettext("Tilkoblet, men plattformen mangler kontakt med Asterisk")],
    no_node: ["no-node", gettext("Plattformen har ingen Asterisk-node – samtaler kan ikke vises eller styres")],
    engine_unavailable: ["engine-down", gettext("Motoren svarer ikke – prøver igjen")],
  };
  const live = { queues: {}, agents: {}, calls: {}, callbacks: [] };
  const $ = (id) => document.getElementById(id);
  let ws = null, retry = 0, reqId = 0, myCall = null, status = null, snapshotRetry = null;
  const pending = {};

  function reasonName(code) {
    const opt = document.querySelector('#pause-reason option[value="' + CSS.escape(code) + '"]');
    return opt ? opt.textContent : code;
  }
  function stateText(a) {
    return STATES[a.state] + (a.state === "paused" && a.paused_reason ? " (" + reasonName(a.paused_reason) + ")" : "");
  }

  function fmt(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    const m = Math.floor(seconds / 60), s = seconds % 60;
    return (m ? m + " min " : "") + s + " s";
  }
  function now() { return Date.now() / 1000; }
  function setConn(state, text) { const el = $("conn"); el.dataset.state = state; el.textContent = text; }
  // Lists shown while there is no contact may be out of date: mark them until a fresh snapshot arrives.
  function setStale(on) {
    if (on) document.body.dataset.stale = "1"; else delete document.body.dataset.stale;
    const note = $("stale-note"); if (note) note.hidden = !on;
  }
  function showStatus(st) {
    const previous = status;
    status = st;
    const [state, text] = STATUS[st.state] || STATUS.degraded;
    setConn(state, text);
    if (!st.ami) setStale(true);
    if (st.state === "engine_unavailable" && !snapshotRetry) {
      snapshotRetry = setTimeout(() => { snapshotRetry = null; send("snapshot").catch(() => {}); }, 2000);
    } else if (previous && previous.state === "engine_unavailable" && st.state !== "engine_unavailable") {
      send("snapshot").catch(() => {});
    }
  }
  function toast(text, kind) {
    const el = document.createElement("div");
    el.className = "toast " + (kind || "");
    el.setAttribute("role", "alert");
    el.textContent = text;
    document.body.appendChild(el);
    setTimeout(() => el.remove(), 6000);
  }

  function send(action, data) {
    return new Promise((resolve, reject) => {
      if (!ws || ws.readyState !== WebSocket.OPEN) { reject(new Error(gettext("Ikke tilkoblet."))); return; }
      const id = ++reqId;
      pending[id] = { resolve, reject };
      ws.send(JSON.stringify(Object.assign({ action: action, id: id }, data || {})));
    });
  }

  function connect() {
    setConn("connecting", gettext("Kobler til …"));
    const proto = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(proto + location.host + "/ws/live/");
    ws.onopen = () => { retry = 0; };
    ws.onclose = () => {
      setConn("down", gettext("Frakoblet – kobler til igjen …"));
      setStale(true);
      for (const id in pending) { pending[id].reject(new Error(gettext("Forbindelsen ble brutt."))); delete pending[id]; }
      retry = Math.min(retry + 1, 5);
      setTimeout(connect, 500 * retry);
    };
    ws.onmessage = (ev) => handle(JSON.parse(ev.data));
  }

  function handle(msg) {
    if (msg.type === "snapshot") {
      live.queues = msg.data.queues; live.agents = msg.data.agents; live.calls = msg.data.calls;
      if (msg.data.callbacks) live.callbacks = msg.data.callbacks;
      const st = msg.data.status || { state: msg.data.connected ? "connected" : "degraded", ami: msg.data.connected };
      showStatus(st);
      setStale(!st.ami);
      render();
    } else if (msg.type === "update") {
      for (const ch of msg.changes) {
        if (ch.kind === "queue") live.queues[ch.queue] = ch;
        else if (ch.kind === "agent") live.agents[String(ch.agent_id)] = ch;
        else if (ch.kind === "callbacks") live.callbacks = ch.rows;
        else if (ch.kind === "call") { if (ch.removed) delete live.calls[ch.uniqueid]; else live.calls[ch.uniqueid] = ch; }
      }
      render();
    } else if (msg.type === "campaign") {
      renderCampaign(msg.data);
    } else if (msg.type === "status") {
      showStatus(msg.status);
    } else if (msg.type === "ok" || msg.type === "error") {
      const p = pending[msg.id];
      if (p) { delete pending[msg.id]; msg.type === "ok" ? p.resolve(msg.result) : p.reject(new Error(msg.error)); }
      else if (msg.type === "error") toast(msg.error, "error");
    }
  }

  // Pending callbacks (the server sends the whole list of this console's queues, oldest place first).
  let offeredWho = { number: null, name: "" };
  function renderCallbacks() {
    const body = $("callbacks");
    if (!body) return;
    $("callbacks-count").textContent = live.callbacks.length;
    body.innerHTML = "";
    if (!live.callbacks.length) {
      const tr = body.insertRow(); tr.className = "empty";
      const td = tr.insertCell(); td.colSpan = 6; td.textContent = gettext("Ingen venter på tilbakeringing");
    }
    for (const r of live.callbacks) {
      const tr = body.insertRow(); tr.dataset.callback = r.id; tr.dataset.state = r.state;
      const agent = r.state === "dialling" && r.offered_agent ? " – " + r.offered_agent : "";
      for (const text of [r.place, r.number, fmt(now() - r.joined_at), r.queue, r.state_display + agent, r.attempts]) {
        tr.insertCell().textContent = text;
      }
    }
    const mine = live.callbacks.find((r) => r.state === "dialling" && cfg.agentId && r.offered_agent_id === cfg.agentId);
    const box = $("callback-offer");
    if (!box) return;
    box.hidden = !mine;
    if (!mine) return;
    box.querySelector('[data-f="number"]').textContent = mine.number;
    box.querySelector('[data-f="queue"]').textContent = mine.queue;
    box.querySelector('[data-f="waited"]').textContent = fmt(now() - mine.joined_at);
    if (offeredWho.number !== mine.number) {
      offeredWho = { number: mine.number, name: "" };
      send("who", { number: mine.number }).then((m) => { if (m && offeredWho.number === mine.number) offeredWho.name = m.name; })
        .catch(() => {});
    }
    box.querySelector('[data-f="who"]').textContent = offeredWho.name;
  }
  setInterval(renderCallbacks, 1000);

  function render() {
    renderCallbacks();
    document.querySelectorAll(".queue").forEach((el) => {
      const q = live.queues[el.dataset.queue];
      const callers = q ? q.callers : [];
      el.querySelector("[data-count]").textContent = callers.length;
      const body = el.querySelector("[data-callers]");
      body.innerHTML = "";
      if (!callers.length) {
        const tr = body.insertRow(); tr.className = "empty";
        const td = tr.insertCell(); td.colSpan = 3; td.textContent = gettext("Ingen venter");
      }
      for (const c of callers) {
        const tr = body.insertRow(); tr.className = "caller";
        tr.insertCell().textContent = c.position;
        tr.insertCell().textContent = c.caller_number;
        const w = tr.insertCell(); w.dataset.since = c.joined_at; w.className = "ticking";
      }
    });
    const agents = $("agents");
    if (agents) {
      agents.innerHTML = "";
      for (const [id, a] of Object.entries(live.agents)) {
        const tr = agents.insertRow();
        tr.dataset.agent = id;
        tr.insertCell().textContent = agentNames[id] || ("#" + id);
        const st = tr.insertCell();
        st.textContent = stateText(a);
        st.className = "st-" + a.state;
        const since = tr.insertCell(); since.dataset.since = a.since; since.className = "ticking";
      }
      if (!agents.rows.length) {
        const tr = agents.insertRow(); tr.className = "empty";
        const td = tr.insertCell(); td.colSpan = 3; td.textContent = gettext("Ingen agenter er pålogget");
      }
    }
    if (cfg.agentId !== null) {
      const me = live.agents[String(cfg.agentId)];
      $("my-state").textContent = me ? stateText(me) : STATES.logged_out;
      $("my-state").dataset.state = me ? me.state : "logged_out";
      $("my-since").dataset.since = me ? me.since : "";
      renderMyCall();
    }
    const calls = $("calls");
    if (calls) {
      calls.innerHTML = "";
      if (!Object.keys(live.calls).length) {
        const tr = calls.insertRow(); tr.className = "empty";
        const td = tr.insertCell(); td.colSpan = 4; td.textContent = gettext("Ingen samtaler nå");
      }
      for (const c of Object.values(live.calls)) {
        const tr = calls.insertRow();
        tr.insertCell().textContent = c.channel;
        tr.insertCell().textContent = c.caller_number;
        tr.insertCell().textContent = c.connected_number;
        const td = tr.insertCell();
        for (const [mode, label] of [["listen", gettext("Lytt")], ["whisper", gettext("Hvisk")], ["barge", gettext("Bryt inn")]]) {
          const b = document.createElement("button");
          b.textContent = label;
          b.onclick = () => send("supervise", { channel: c.channel, mode: mode }).catch((e) => toast(e.message, "error"));
          td.appendChild(b);
        }
      }
    }
    tick();
  }

  function otherParty(c) {
    const connected = c.connected_number && c.connected_number !== "<unknown>" ? c.connected_number : "";
    return connected || c.caller_number;
  }

  let whoNumber = null;
  function renderMyCall() {
    const mine = Object.values(live.calls).find((c) => ownPrefixes.some((p) => c.channel.startsWith(p)));
    const box = $("current-call");
    if (mine) {
      const number = otherParty(mine);
      if (number !== whoNumber) {
        whoNumber = number;
        $("call-person").textContent = "";
        send("who", { number: number }).then((p) => {
          if (whoNumber !== number) return;
          $("call-person").textContent = p ? p.name + (p.department ? " – " + p.department : "") : gettext("Ukjent innringer");
        }).catch(() => {});
      }
      myCall = mine;
      $("call-number").textContent = number;
      $("call-duration").dataset.since = mine.started;
      box.hidden = false;
      $("wrapup").hidden = true;
    } else {
      if (myCall) { showWrapup(); refreshCampaign(); }
      myCall = null;
      whoNumber = null;
      box.hidden = true;
    }
  }

  function showWrapup() {
    $("wrapup").hidden = false;
    $("wrapup-msg").textContent = "";
    fillCategories();
  }
  function fillCategories() {
    const qid = $("wrapup-queue").value;
    const sel = $("wrapup-category");
    const required = $("wrapup-queue").selectedOptions[0].dataset.required === "1";
    sel.innerHTML = "";
    if (!required) sel.add(new Option(gettext("(ingen)"), ""));
    for (const c of categories[qid] || []) sel.add(new Option(c.name, c.id));
  }

  function tick() {
    const t = now();
    document.querySelectorAll("[data-since]").forEach((el) => {
      const since = parseFloat(el.dataset.since);
      el.textContent = since ? fmt(t - since) : "";
    });
  }
  setInterval(tick, 1000);

  function bind(id, fn) { const el = $(id); if (el) el.addEventListener("click", fn); }
  const act = (action, data, okText) => send(action, data).then(() => okText && toast(okText)).catch((e) => toast(e.message, "error"));
  bind("btn-login", () => act("login", {}, gettext("Logget inn i køene.")));
  bind("btn-logout", () => act("logout", {}, gettext("Logget ut av køene.")));
  // Pause needs queue membership: say so plainly instead of passing on Asterisk's own (English) refusal.
  const inQueues = () => { const me = live.agents[String(cfg.agentId)]; return me && me.state !== "logged_out"; };
  const notInQueues = () => toast(gettext("Logg inn i køene først."), "error");
  bind("btn-pause", () => (inQueues() ? act("pause", { reason: $("pause-reason").value }) : notInQueues()));
  bind("btn-unpause", () => (inQueues() ? act("unpause", {}) : notInQueues()));
  bind("btn-hangup", () => myCall && act("hangup", { channel: myCall.channel }));
  bind("btn-hold", () => myCall && act("hold", { channel: myCall.channel }, gettext("Satt på vent.")));
  bind("btn-resume", () => myCall && act("resume", { channel: myCall.channel }));
  // Recording mid-call (abusive calls) only with one of the agency's legal bases; the server refuses without.
  bind("btn-record", () => myCall && ($("record-basis") && $("record-basis").value
    ? act("record", { channel: myCall.channel, legal_basis: $("record-basis").value }, gettext("Opptak startet."))
    : toast(gettext("Velg rettslig grunnlag for opptaket først."), "error")));
  const q = $("wrapup-queue"); if (q) q.addEventListener("change", fillCategories);

  let searchTimer = null;
  const search = $("dir-search");
  if (search) search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      const text = search.value.trim();
      const list = $("dir-results");
      if (text.length < 2) { list.innerHTML = ""; return; }
      send("directory", { q: text }).then((people) => {
        list.innerHTML = "";
        for (const p of people) {
          for (const ext of p.extensions) {
            const li = document.createElement("li");
            li.textContent = p.name + " – " + (p.department || "") + " (" + ext + ") ";
            const blind = document.createElement("button");
            blind.textContent = gettext("Sett over");
            blind.onclick = () => myCall && act("transfer", { channel: myCall.channel, number: ext }, gettext("Satt over."));
            const att = document.createElement("button");
            att.textContent = gettext("Med forespørsel");
            att.onclick = () => myCall && act("transfer", { channel: myCall.channel, number: ext, attended: true });
            li.append(blind, att);
            list.appendChild(li);
          }
        }
        if (!people.length) list.innerHTML = "<li>" + gettext("Ingen treff") + "</li>";
      }).catch((e) => toast(e.message, "error"));
    }, 250);
  });

  const wrap = $("wrapup");
  if (wrap) wrap.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const cat = $("wrapup-category").value;
    send("inquiry", { queue_id: parseInt($("wrapup-queue").value, 10), category_id: cat ? parseInt(cat, 10) : null,
                      note: $("wrapup-note").value })
      .then(() => { $("wrapup-msg").textContent = gettext("Henvendelsen er lagret."); $("wrapup-note").value = "";
                    setTimeout(() => { wrap.hidden = true; }, 1500); })
      .catch((e) => { $("wrapup-msg").textContent = e.message; });
  });
  if ($("wrapup-queue")) fillCategories();

  // Dialer campaigns in preview mode: the contact claimed for this agent, «Ring» / «Hopp over», and the category
  // (disposition) of the agent's last campaign call. Every action answers with the panel's new state.
  let panel = null;
  function renderCampaign(p) {
    panel = p;
    const box = $("campaign-panel");
    if (!box) return;
    box.hidden = !p;
    if (!p) return;
    const a = p.attempt;
    $("cp-campaign").textContent = a ? a.campaign : p.campaigns.map((c) => c.name).join(", ");
    $("cp-contact").hidden = !a;
    $("cp-empty").hidden = !!a;
    if (a) {
      $("cp-contact").dataset.attempt = a.id;
      $("cp-number").textContent = a.number;
      $("cp-attempts").textContent = interpolate(gettext("%s av %s"), [a.attempts, a.max_attempts]);
      $("cp-state").textContent = a.state_label;
      $("cp-data").replaceChildren(...a.data.flatMap(([k, v]) => {
        const dt = document.createElement("dt"); dt.textContent = k;
        const dd = document.createElement("dd"); dd.textContent = v;
        return [dt, dd];
      }));
      $("cp-dial").disabled = $("cp-skip").disabled = a.state !== "claimed";
    }
    const last = p.last;
    $("cp-last").hidden = !last;
    if (last) {
      $("cp-last").dataset.attempt = last.id;
      $("cp-last-number").textContent = last.number;
      $("cp-last-campaign").textContent = last.campaign;
      const sel = $("cp-category");
      const chosen = sel.dataset.attempt === String(last.id) && sel.value ? sel.value : String(last.disposition_id || "");
      sel.replaceChildren(new Option(gettext("(velg)"), ""), ...last.categories.map((c) => new Option(c.name, c.id)));
      sel.dataset.attempt = last.id;
      sel.value = chosen;
    }
  }
  function refreshCampaign() { if (cfg.agentId !== null) send("campaign").then(renderCampaign).catch(() => {}); }
  function campaignAct(action, data, msgId, okText) {
    $(msgId).textContent = okText || "";
    return send(action, data).then((p) => { renderCampaign(p); $(msgId).textContent = okText || ""; })
      .catch((e) => { $(msgId).textContent = e.message; });
  }
  bind("cp-dial", () => panel && panel.attempt &&
    campaignAct("campaign_dial", { attempt_id: panel.attempt.id }, "cp-msg", interpolate(gettext("Ringer %s …"), [panel.attempt.number])));
  bind("cp-skip", () => panel && panel.attempt && campaignAct("campaign_skip", { attempt_id: panel.attempt.id }, "cp-msg",
    gettext("Hoppet over.")));
  bind("cp-dispose", () => {
    const cat = $("cp-category").value;
    if (!panel || !panel.last) return;
    if (!cat) { $("cp-last-msg").textContent = gettext("Velg en kategori."); return; }
    campaignAct("campaign_dispose", { attempt_id: panel.last.id, category_id: parseInt(cat, 10) }, "cp-last-msg",
      gettext("Kategorien er lagret."));
  });
  setInterval(() => { if (panel) refreshCampaign(); }, 15000);
  connect();
})();
