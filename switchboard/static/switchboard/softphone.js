// The browser softphone: JsSIP over Asterisk's WebSocket transport, media by WebRTC (DTLS-SRTP, ICE).
// Register with the user's own credentials; call, answer, hang up, hold/resume, blind transfer (REFER).
(function () {
  "use strict";
  const t = (s) => (window.gettext ? window.gettext(s) : s);
  const cfg = JSON.parse(document.getElementById("softphone-config").textContent);
  const $ = (id) => document.getElementById(id);
  const state = { registered: false, session: null, held: false, incoming: false };
  window.softphone = state;

  function status(key, text) {
    $("sp-status").dataset.state = key;
    $("sp-status").textContent = text;
  }
  function buttons() {
    const s = state.session;
    $("sp-call").disabled = !state.registered || !!s;
    $("sp-answer").disabled = !(s && state.incoming && !s.isEstablished());
    $("sp-hangup").disabled = !s;
    $("sp-hold").disabled = !(s && s.isEstablished());
    $("sp-transfer").disabled = !(s && s.isEstablished());
    $("sp-hold").textContent = state.held ? t("Gjenoppta") : t("Sett på vent");
  }
  if (!cfg.ws) {
    status("unconfigured", t("Myk telefon er ikke satt opp på plattformen (SOFTPHONE_WS_URL)."));
    return;
  }
  const ua = new JsSIP.UA({
    sockets: [new JsSIP.WebSocketInterface(cfg.ws)],
    uri: `sip:${cfg.user}@${cfg.domain}`,
    password: cfg.password,
    authorization_user: cfg.user,
    register: true,
    session_timers: false,
    user_agent: "Telefoniplattform myk telefon",
  });
  ua.on("registered", () => { state.registered = true; status("registered", t("Klar")); buttons(); });
  ua.on("unregistered", () => { state.registered = false; status("unregistered", t("Ikke registrert")); buttons(); });
  ua.on("registrationFailed", (e) => { state.registered = false; status("failed", t("Registrering feilet") + `: ${e.cause}`); buttons(); });
  ua.on("disconnected", () => { if (!state.registered) status("disconnected", t("Får ikke kontakt med telefonsentralen")); });

  function attach(session, incoming) {
    state.session = session;
    state.incoming = incoming;
    state.held = false;
    $("sp-peer").textContent = (incoming ? t("Innkommende fra") : t("Ringer")) + " " + session.remote_identity.uri.user;
    session.on("peerconnection", (e) => {
      e.peerconnection.addEventListener("track", (ev) => { $("sp-remote").srcObject = ev.streams[0]; });
    });
    if (session.connection) {
      session.connection.addEventListener("track", (ev) => { $("sp-remote").srcObject = ev.streams[0]; });
    }
    session.on("progress", () => status("ringing", incoming ? t("Det ringer") : t("Ringer …")));
    session.on("confirmed", () => { status("in-call", t("I samtale")); buttons(); });
    session.on("hold", () => { state.held = true; status("held", t("På vent")); buttons(); });
    session.on("unhold", () => { state.held = false; status("in-call", t("I samtale")); buttons(); });
    const end = (e) => {
      state.session = null; state.incoming = false; state.held = false;
      $("sp-peer").textContent = e && e.cause ? `${t("Avsluttet")}: ${e.cause}` : "";
      status(state.registered ? "registered" : "unregistered", state.registered ? t("Klar") : t("Ikke registrert"));
      buttons();
    };
    session.on("ended", end);
    session.on("failed", end);
    buttons();
  }
  ua.on("newRTCSession", (e) => {
    if (e.originator === "remote") {
      if (state.session) { e.session.terminate({ status_code: 486 }); return; }
      attach(e.session, true);
      status("ringing", t("Det ringer"));
    }
  });
  const media = { mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } };
  $("sp-call").addEventListener("click", () => {
    const number = $("sp-number").value.trim();
    if (!/^[0-9*#+]{1,20}$/.test(number)) { status("error", t("Skriv et gyldig nummer.")); return; }
    attach(ua.call(`sip:${number}@${cfg.domain}`, media), false);
  });
  $("sp-answer").addEventListener("click", () => state.session && state.session.answer(media));
  $("sp-hangup").addEventListener("click", () => state.session && state.session.terminate());
  $("sp-hold").addEventListener("click", () => {
    if (!state.session) return;
    if (state.held) state.session.unhold(); else state.session.hold();
  });
  $("sp-transfer").addEventListener("click", () => {
    const number = $("sp-number").value.trim();
    if (!state.session || !/^[0-9*#+]{1,20}$/.test(number)) { status("error", t("Skriv nummeret det skal overføres til.")); return; }
    // Blind transfer (RFC 5589): when the far end reports the transfer target answered (NOTIFY 200), this
    // phone leaves the call itself; Asterisk does not hang the transferring leg up on its own.
    const session = state.session;
    status("transferring", t("Overfører …"));
    session.refer(`sip:${number}@${cfg.domain}`, { eventHandlers: {
      accepted: () => { if (!session.isEnded()) session.terminate(); },
      failed: () => { if (!session.isEnded()) status("in-call", t("Overføringen mislyktes.")); },
    } });
  });
  // For the tests and the curious: RTP packets the browser has sent and received in the current call.
  state.rtpCounts = async () => {
    const pc = state.session && state.session.connection;
    if (!pc) return null;
    let sent = 0, received = 0, srtp = false;
    (await pc.getStats()).forEach((r) => {
      if (r.type === "outbound-rtp" && r.kind === "audio") sent += r.packetsSent || 0;
      if (r.type === "inbound-rtp" && r.kind === "audio") received += r.packetsReceived || 0;
      if (r.type === "transport" && r.dtlsState === "connected") srtp = true;
    });
    return { sent, received, srtp };
  };
  ua.start();
  buttons();
})();
