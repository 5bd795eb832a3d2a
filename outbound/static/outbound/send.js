// SMS send page: preview (count, segments) before sending, then a progress bar fed by /sms/progress/<id>.
(function () {
  "use strict";
  const form = document.getElementById("sms-form");
  const kind = document.getElementById("kind");
  const out = document.getElementById("preview");
  const sendBtn = document.getElementById("btn-send");
  const t = (s) => (window.gettext ? window.gettext(s) : s);

  function showKind() {
    form.querySelectorAll("[data-kind]").forEach((el) => { el.hidden = el.dataset.kind !== kind.value; });
    sendBtn.disabled = true;
  }
  kind.addEventListener("change", showKind);
  const template = document.getElementById("template");
  if (template) {
    template.addEventListener("change", () => {
      const opt = template.selectedOptions[0];
      if (opt && opt.dataset.body !== undefined) document.getElementById("body").value = opt.dataset.body;
      sendBtn.disabled = true;
    });
  }
  form.addEventListener("input", () => { sendBtn.disabled = true; });

  async function post(url) {
    const reply = await fetch(url, { method: "POST", body: new FormData(form), credentials: "same-origin" });
    const data = await reply.json().catch(() => ({ error: t("Uventet svar fra serveren.") }));
    return { ok: reply.ok, data };
  }

  function line(text, cls) {
    const p = document.createElement("p");
    p.textContent = text;
    if (cls) p.className = cls;
    out.appendChild(p);
  }

  const previewBtn = document.getElementById("btn-preview");  // disabled in the page until this script runs
  previewBtn.disabled = false;
  previewBtn.addEventListener("click", async () => {
    out.textContent = "";
    const { ok, data } = await post("/sms/preview");
    if (!ok || data.error) { line(data.error, "error"); return; }
    line(interpolate(t("%s mottakere (%s like fjernet, %s avmeldt fjernet)."), [data.count, data.duplicates, data.opted_out]));
    line(interpolate(t("%s deler per melding (%s), %s deler i alt."),
      [data.segments, data.encoding === "gsm" ? "GSM 7-bit" : "UCS-2", data.total_segments]));
    (data.errors || []).forEach((e) => line(e, "error"));
    if (data.missing && data.missing.length) line(t("Variabler som mangler:") + " " + data.missing.join(", "), "error");
    out.dataset.count = data.count;
    sendBtn.disabled = !(data.count > 0) || (data.missing && data.missing.length > 0);
  });

  sendBtn.addEventListener("click", async () => {
    sendBtn.disabled = true;
    const { ok, data } = await post("/sms/send");
    if (!ok || data.error) { line(data.error, "error"); return; }
    document.getElementById("progress-box").hidden = false;
    poll(data.id);
  });

  async function poll(id) {
    const reply = await fetch("/sms/progress/" + id, { credentials: "same-origin" });
    const p = await reply.json();
    const bar = document.getElementById("progress");
    bar.max = p.total; bar.value = p.done;
    document.getElementById("progress-text").textContent =
      interpolate(t("%s av %s sendt, %s levert, %s feilet"), [p.done, p.total, p.delivered, p.failed + p.undelivered]);
    listed(p);
    if (p.status !== "done" && p.status !== "cancelled") setTimeout(() => poll(id), 1000);
  }

  // The send on top of «Siste utsendinger», kept up to date while it runs.
  function listed(p) {
    const body = document.getElementById("sends");
    let row = body.querySelector('tr[data-send="' + p.id + '"]');
    if (!row) {
      row = document.createElement("tr");
      row.dataset.send = p.id;
      body.insertBefore(row, body.firstChild);
    }
    row.replaceChildren(...[p.created, p.audience, p.total, p.status_label].map((value) => {
      const td = document.createElement("td");
      td.textContent = value;
      return td;
    }));
  }
  showKind();
})();
