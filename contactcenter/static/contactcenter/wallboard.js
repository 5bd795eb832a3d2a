/* Wallboard: live numbers from the WebSocket, history figures from /wallboard/data every 15 s. */
(function () {
  "use strict";
  const gettext = window.gettext || ((s) => s);
  const STATES = { idle: gettext("Ledig"), ringing: gettext("Ringer"), in_call: gettext("I samtale"), paused: gettext("Pause"),
                   wrapup: gettext("Etterarbeid"), unavailable: gettext("Utilgjengelig") };
  const live = { queues: {}, agents: {}, callbacks: null };
  const $ = (id) => document.getElementById(id);
  const pct = (v) => (v === null || v === undefined ? "–" : v.toFixed(0) + " %");
  const secs = (v) => (v === null || v === undefined ? "–" : Math.round(v) + " s");
  let retry = 0;
  const STATUS = {
    connected: ["up", gettext("Tilkoblet")],
    degraded: ["degraded", gettext("Tilkoblet, men plattformen mangler kontakt med Asterisk")],
    no_node: ["no-node", gettext("Plattformen har ingen Asterisk-node – samtaler kan ikke vises eller styres")],
    engine_unavailable: ["engine-down", gettext("Motoren svarer ikke – prøver igjen")],
  };
  function showStatus(st) {
    const [state, text] = STATUS[st.state] || STATUS.degraded;
    $("conn").dataset.state = state; $("conn").textContent = text;
    if (!st.ami) setStale(true);
  }
  // Live figures shown while there is no contact may be out of date: dim them until a fresh snapshot.
  function setStale(on) { if (on) document.body.dataset.stale = "1"; else delete document.body.dataset.stale; }

  function connect() {
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/live/");
    ws.onopen = () => { retry = 0; };
    ws.onclose = () => { setStale(true); $("conn").dataset.state = "down"; $("conn").textContent = gettext("Frakoblet – kobler til igjen …");
                         retry = Math.min(retry + 1, 5); setTimeout(connect, 500 * retry); };
    ws.onmessage = (ev) => {
      const msg = JSON.parse(ev.data);
      if (msg.type === "snapshot") {
        live.queues = msg.data.queues; live.agents = msg.data.agents;
        if (msg.data.callbacks) live.callbacks = msg.data.callbacks;
        const st = msg.data.status || { state: msg.data.connected ? "connected" : "degraded", ami: msg.data.connected };
        showStatus(st);
        setStale(!st.ami);
      } else if (msg.type === "status") {
        showStatus(msg.status);
        if (msg.status.state === "engine_unavailable") setTimeout(() => {
          if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ action: "snapshot" }));
        }, 2000);
      }
      else if (msg.type === "update") {
        for (const ch of msg.changes) {
          if (ch.kind === "queue") live.queues[ch.queue] = ch;
          if (ch.kind === "agent") live.agents[String(ch.agent_id)] = ch;
          if (ch.kind === "callbacks") live.callbacks = ch.rows;
        }
      }
      renderLive();
    };
  }

  function renderLive() {
    const t = Date.now() / 1000;
    let waiting = 0, longest = 0;
    document.querySelectorAll("#wall-queues tr").forEach((tr) => {
      const q = live.queues[tr.dataset.queue];
      const callers = q ? q.callers : [];
      const l = callers.reduce((m, c) => Math.max(m, t - c.joined_at), 0);
      waiting += callers.length; longest = Math.max(longest, l);
      tr.querySelector('[data-f="waiting"]').textContent = callers.length;
      tr.querySelector('[data-f="longest"]').textContent = callers.length ? secs(l) : "–";
    });
    if (live.callbacks) {  // callbacks not yet made, and how long the oldest has had its place
      const oldest = live.callbacks.reduce((m, r) => Math.max(m, t - r.joined_at), 0);
      $("t-callbacks").textContent = live.callbacks.length;
      $("t-callback-oldest").textContent = live.callbacks.length ? secs(oldest) : "–";
    }
    $("t-waiting").textContent = waiting;
    $("t-longest").textContent = waiting ? secs(longest) : "–";
    const counts = {};
    for (const a of Object.values(live.agents)) if (a.state !== "logged_out") counts[a.state] = (counts[a.state] || 0) + 1;
    $("t-agents").innerHTML = Object.entries(counts).map(([s, n]) => "<div>" + (STATES[s] || s) + ": <b>" + n + "</b></div>").join("") || gettext("Ingen pålogget");
  }
  setInterval(renderLive, 1000);

  function renderHistory(data) {
    const tot = data.total.today;
    $("t-sl").textContent = pct(tot.service_level_pct);
    $("t-sl").className = "big " + (tot.service_level_pct === null ? "" : tot.service_level_pct >= 80 ? "good" : "bad");
    $("t-abandon").textContent = pct(tot.abandon_rate_pct);
    $("t-asa").textContent = secs(tot.asa_s);
    $("t-aht").textContent = secs(tot.aht_s);
    if (data.callbacks && !live.callbacks) {
      $("t-callbacks").textContent = data.callbacks.pending;
      $("t-callback-oldest").textContent = data.callbacks.pending ? secs(data.callbacks.oldest_waited_s) : "–";
    }
    document.querySelectorAll("#wall-queues tr").forEach((tr) => {
      const q = data.queues[tr.dataset.id];
      if (!q) return;
      tr.querySelector('[data-f="calls"]').textContent = q.today.calls;
      tr.querySelector('[data-f="hour"]').textContent = q.last_hour.calls;
      tr.querySelector('[data-f="sl"]').textContent = pct(q.today.service_level_pct);
      tr.querySelector('[data-f="abandon"]').textContent = pct(q.today.abandon_rate_pct);
      tr.querySelector('[data-f="asa"]').textContent = secs(q.today.asa_s);
      tr.querySelector('[data-f="aht"]').textContent = secs(q.today.aht_s);
    });
    drawChart(data.series);
  }

  function drawChart(series) {
    const svg = $("chart"), W = 960, H = 220, pad = 30;
    const max = Math.max(1, ...series.map((s) => s.calls));
    const bw = (W - 2 * pad) / 24;
    let out = "";
    for (const s of series) {
      const h = (H - 2 * pad) * s.calls / max, x = pad + s.hour * bw;
      out += `<rect x="${x + 2}" y="${H - pad - h}" width="${bw - 4}" height="${h}" fill="#4f9dd9"><title>${s.calls}</title></rect>`;
      out += `<text x="${x + bw / 2}" y="${H - 10}" fill="#9fb0c0" font-size="11" text-anchor="middle">${s.hour}</text>`;
    }
    const pts = series.filter((s) => s.service_level_pct !== null)
      .map((s) => `${pad + s.hour * bw + bw / 2},${H - pad - (H - 2 * pad) * s.service_level_pct / 100}`);
    if (pts.length) out += `<polyline points="${pts.join(" ")}" fill="none" stroke="#8ce99a" stroke-width="3"/>`;
    svg.innerHTML = out;
  }

  function load() {
    fetch("/wallboard/data", { credentials: "same-origin" }).then((r) => r.json()).then(renderHistory).catch(() => {});
  }
  load(); setInterval(load, 15000);
  connect();
})();
