// The supervisors' live campaign view: figures polled every two seconds, pause/resume, list import with dry run.
(function () {
  "use strict";
  const root = document.getElementById("campaign");
  const id = root.dataset.id;
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const pct = (x) => (100 * x).toLocaleString("nb-NO", {maximumFractionDigits: 1}) + " %";
  const text = (elId, value) => { document.getElementById(elId).textContent = value; };

  function show(c) {
    text("c-status", c.status_label);
    text("c-total", c.total); text("c-done", c.done); text("c-pending", c.pending); text("c-live", c.live);
    text("c-answer", pct(c.answer_rate));
    text("c-abandon", pct(c.abandon_rate) + " " + interpolate(gettext("(grense %s)"), [pct(c.abandon_cap)]));
    document.getElementById("c-progress").value = c.progress;
    text("c-progress-text", interpolate(gettext("%s av %s numre ferdige"), [c.total - c.pending - c.live, c.total]));
    const body = document.getElementById("c-recent");
    body.replaceChildren(...c.recent.map((a) => {
      const tr = document.createElement("tr");
      for (const v of [a.number, a.state, a.outcome, a.agent, a.disposition]) {
        const td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
      }
      return tr;
    }));
    showLive(c);
  }

  const row = (values, attrs) => {
    const tr = document.createElement("tr");
    Object.assign(tr.dataset, attrs || {});
    for (const v of values) { const td = document.createElement("td"); td.textContent = v; tr.appendChild(td); }
    return tr;
  };
  const empty = (cols, textValue) => { const tr = row([textValue]); tr.className = "empty"; tr.firstChild.colSpan = cols; return tr; };
  const since = (t) => { const s = Math.max(0, Math.floor(Date.now() / 1000 - t)); return (s >= 60 ? Math.floor(s / 60) + " min " : "") + (s % 60) + " s"; };

  function showLive(c) {
    if (!c.agents) return;
    document.getElementById("c-engine").hidden = c.engine;
    const agents = c.agents.map((a) => row([a.name, a.state_label, a.connected_today], {agent: a.id, state: a.state}));
    document.getElementById("c-agents").replaceChildren(...(agents.length ? agents : [empty(3, gettext("Ingen agenter i køen"))]));
    const calls = c.calls_now.map((k) => row([k.number, k.state, k.agent, k.since ? since(k.since) : ""]));
    document.getElementById("c-calls").replaceChildren(...(calls.length ? calls : [empty(4, gettext("Ingen samtaler nå"))]));
  }

  async function post(path, data) {
    data.append("csrfmiddlewaretoken", csrf);
    const response = await fetch(`/kampanjer/${id}/${path}`, {method: "POST", body: data, credentials: "same-origin"});
    return [response.ok, await response.json()];
  }

  async function refresh() {
    const response = await fetch(`/kampanjer/${id}/live`, {credentials: "same-origin"});
    if (response.ok) show(await response.json());
  }

  for (const button of document.querySelectorAll("button[data-action]")) {
    button.addEventListener("click", async () => {
      const data = new FormData(); data.append("action", button.dataset.action);
      const [ok, body] = await post("action", data);
      text("c-error", ok ? "" : body.error);
      if (ok) show(body);
    });
  }

  async function upload(dry) {
    const data = new FormData(document.getElementById("c-import"));
    data.append("dry_run", dry ? "1" : "0");
    const [ok, body] = await post("import", data);
    const out = document.getElementById("c-import-result");
    const lines = ok ? [interpolate(gettext(dry ? "Prøve: %s nye, %s finnes fra før, %s reservert" : "Importert: %s nye, %s finnes fra før, %s reservert"),
      [body.added, body.duplicates, body.do_not_call])] : [body.error];
    const list = document.createElement("ul");
    for (const e of (body.errors || [])) { const li = document.createElement("li"); li.textContent = e; list.appendChild(li); }
    const p = document.createElement("p"); p.textContent = lines.join(" ");
    out.replaceChildren(p, list);
    refresh();
  }
  document.getElementById("c-dry").addEventListener("click", () => upload(true));
  document.getElementById("c-do").addEventListener("click", () => upload(false));
  for (const button of document.querySelectorAll("#campaign button[data-action], #c-dry, #c-do")) button.disabled = false;
  refresh();
  setInterval(refresh, 2000);
})();
