"""Platform-level Asterisk files for one node: directories, modules, logging, AMI, ARI, transports.

Used for the managed local Asterisk (demo, tests) and for `render_asterisk_config --runtime`.
Only this module knows paths and ports; the agency renderer knows none.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from asterisk_conf.datadir import SYSTEM_DATADIRS, DataFolder, compose, data_sources
from asterisk_conf.safety import RenderError, v
from asterisk_conf.sounds.norwegian import try_ensure_norwegian_prompts
from asterisk_conf.writer import write_atomic

MODULES = """
res_sorcery_config res_sorcery_memory res_sorcery_astdb res_timing_timerfd res_crypto res_http_websocket res_websocket_client
res_pjsip_outbound_publish res_pjsip_transport_websocket res_srtp
res_pjproject res_pjsip res_pjsip_session res_pjsip_registrar res_pjsip_authenticator_digest
res_pjsip_outbound_authenticator_digest res_pjsip_endpoint_identifier_user res_pjsip_caller_id
res_pjsip_sdp_rtp res_pjsip_nat res_pjsip_refer res_pjsip_pubsub res_pjsip_exten_state res_pjsip_mwi
res_pjsip_mwi_body_generator res_pjsip_pidf_body_generator res_pjsip_dialog_info_body_generator
res_pjsip_xpidf_body_generator res_pjsip_dtmf_info res_pjsip_one_touch_record_info res_pjsip_rfc3326
res_pjsip_diversion res_pjsip_header_funcs res_pjsip_logger res_pjsip_acl res_pjsip_send_to_voicemail
chan_pjsip chan_bridge_media res_rtp_asterisk res_musiconhold res_manager_devicestate res_manager_presencestate
res_stasis res_stasis_answer res_stasis_playback res_stasis_recording res_stasis_snoop res_stasis_device_state
res_ari res_ari_model res_ari_applications res_ari_asterisk res_ari_bridges res_ari_channels
res_ari_device_states res_ari_endpoints res_ari_events res_ari_playbacks res_ari_recordings res_ari_sounds
app_dial app_queue app_voicemail app_mixmonitor app_chanspy app_playback app_stack app_echo app_originate
app_transfer app_confbridge app_bridgewait app_verbose app_senddtmf app_softhangup app_userevent app_read
app_record app_stasis app_directed_pickup app_attended_transfer app_blind_transfer app_exec app_waituntil
app_milliwatt app_amd bridge_builtin_features bridge_builtin_interval_features bridge_holding bridge_native_rtp
bridge_simple bridge_softmix codec_alaw codec_ulaw codec_a_mu codec_g722 codec_gsm codec_resample format_wav
format_wav_gsm format_gsm format_pcm format_sln format_h264 res_format_attr_h264 res_format_attr_vp8
func_callerid func_channel func_strings func_logic func_math func_dialplan func_global func_devstate
func_extstate func_cut func_db func_env func_sprintf func_uri func_presencestate func_pjsip_endpoint
func_pjsip_contact func_vmcount func_timeout func_hangupcause func_uuid func_groupcount pbx_config
cdr_csv
""".split()


@dataclass(frozen=True)
class RuntimeProfile:
    """Where and how one Asterisk instance runs. Every port binds to ``bind_address`` only."""

    base_dir: Path
    bind_address: str = "127.0.0.1"
    sip_port: int = 5060
    ami_port: int = 5038
    http_port: int = 8088
    rtp_start: int = 20000
    rtp_end: int = 20999
    ami_username: str = "controlplane"
    ami_secret: str = "controlplane-dev"
    ari_username: str = "controlplane"
    ari_secret: str = "controlplane-dev"
    moddir: str = ""
    datadir: str = ""  # the install's own data folder; the managed one (``data_dir``) is composed from it
    system_datadirs: tuple[str, ...] | None = None  # distribution data folders (default: datadir.SYSTEM_DATADIRS)

    @property
    def etc_dir(self) -> Path:
        return self.base_dir / "etc"

    @property
    def asterisk_conf(self) -> Path:
        return self.base_dir / "asterisk.conf"

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def norwegian_sounds_dir(self) -> Path:
        """The Norwegian prompt set, generated (``asterisk_conf.sounds.norwegian``) and linked in as ``sounds/no``."""
        return self.base_dir / "sounds-no"

    @property
    def spool_dir(self) -> Path:
        return self.base_dir / "spool"

    @property
    def log_dir(self) -> Path:
        return self.base_dir / "log"

    @property
    def queue_log(self) -> Path:
        return self.log_dir / "queue_log"


def find_asterisk() -> str | None:
    """ASTERISK_BIN, else PATH, else /opt/asterisk/sbin/asterisk."""
    env = os.environ.get("ASTERISK_BIN")
    if env:
        return env if os.access(env, os.X_OK) else None
    found = shutil.which("asterisk")
    if found:
        return found
    default = "/opt/asterisk/sbin/asterisk"
    return default if os.access(default, os.X_OK) else None


def guess_dirs(binary: str, *, system_dirs: tuple[Path, ...] = SYSTEM_DATADIRS) -> tuple[str, str]:
    """Module and data directories for a binary: its own prefix first, then distribution paths.

    The data folder is the install's own (the one with ``rest-api``); sounds and music on hold may live
    elsewhere and are linked in by ``write_runtime`` (see ``asterisk_conf.datadir``)."""
    prefix = Path(binary).resolve().parent.parent
    moddir = os.environ.get("ASTERISK_MODDIR") or next(
        (str(p) for p in (prefix / "lib/asterisk/modules", Path("/usr/lib/asterisk/modules"),
                          Path("/usr/lib/x86_64-linux-gnu/asterisk/modules"), Path("/usr/lib64/asterisk/modules"))
         if (p / "chan_pjsip.so").exists()), str(prefix / "lib/asterisk/modules"))
    candidates = (prefix / "var/lib/asterisk", prefix / "share/asterisk", *system_dirs)
    datadir = os.environ.get("ASTERISK_DATADIR") or next(
        (str(p) for p in candidates if (p / "rest-api").is_dir()),
        next((str(p) for p in candidates if p.is_dir()), str(system_dirs[0]) if system_dirs else "/usr/share/asterisk"))
    return moddir, datadir


def _asterisk_conf(p: RuntimeProfile) -> str:
    """asterisk.conf: where this instance keeps everything."""
    dirs = {name: p.base_dir / name for name in ("lib", "db", "spool", "run", "log")}
    return (
        "[directories]\n"
        f"astetcdir => {p.etc_dir}\n"
        f"astmoddir => {v(p.moddir, what='moddir')}\n"
        f"astvarlibdir => {dirs['lib']}\n"
        f"astdbdir => {dirs['db']}\n"
        f"astkeydir => {dirs['lib']}\n"
        f"astdatadir => {v(str(p.data_dir), what='datadir')}\n"
        f"astagidir => {p.data_dir}/agi-bin\n"
        f"astspooldir => {dirs['spool']}\n"
        f"astrundir => {dirs['run']}\n"
        f"astlogdir => {dirs['log']}\n"
        "\n[options]\ndefaultlanguage = no\nhideconnect = yes\ntransmit_silence = yes\n"
    )


def _etc_node(p: RuntimeProfile) -> dict[str, str]:
    """The files that depend on the profile: modules, logging, AMI, HTTP/ARI, RTP ports, the SIP transport."""
    b = v(p.bind_address, what="adresse")
    return {
        "modules.conf": "[modules]\nautoload = no\n" + "".join(f"load = {m}.so\n" for m in MODULES),
        # queue_log: app_queue's own record of every queue call (callid = the caller's uniqueid). The engine
        # reads it to complete history where AMI events were missing or incomplete (engine/queue_log.py).
        "logger.conf": "[general]\ndateformat = %F %T.%3q\nqueue_log = yes\nqueue_log_to_file = yes\n"
                       f"queue_log_name = {p.queue_log.name}\n\n[logfiles]\n"
                       "messages.log => notice,warning,error\nfull.log => notice,warning,error,verbose\n",
        "manager.conf": (
            f"[general]\nenabled = yes\nport = {p.ami_port}\nbindaddr = {b}\ndisplayconnects = no\n"
            "timestampevents = yes\n\n"
            f"[{v(p.ami_username)}]\nsecret = {p.ami_secret}\ndeny = 0.0.0.0/0.0.0.0\npermit = 127.0.0.0/255.0.0.0\n"
            "read = all\nwrite = all\nwritetimeout = 5000\n"
        ),
        "http.conf": f"[general]\nenabled = yes\nbindaddr = {b}\nbindport = {p.http_port}\n",
        "ari.conf": f"[general]\nenabled = yes\n\n[{v(p.ari_username)}]\ntype = user\nread_only = no\n"
                    f"password = {p.ari_secret}\n",
        "rtp.conf": f"[general]\nrtpstart = {p.rtp_start}\nrtpend = {p.rtp_end}\n",
        "pjsip_platform.conf": (
            "[global]\ntype = global\nuser_agent = Telefoniplattform\n\n"
            f"[transport-udp]\ntype = transport\nprotocol = udp\nbind = {b}:{p.sip_port}\n"
            # SIP over WebSocket for the browser softphone: served by the HTTP server (http.conf) at /ws.
            f"\n[transport-ws]\ntype = transport\nprotocol = ws\nbind = {b}\n"
        ),
    }


def _etc_fixed() -> dict[str, str]:
    """The files that are the same on every node: Norwegian tones, feature codes, CDR, and empty module configs."""
    return {
        "indications.conf": "[general]\ncountry = no\n\n[no]\ndescription = Norway\nringcadence = 1000,4000\n"
                            "dial = 425\nbusy = 425/500,0/500\nring = 425/1000,0/4000\n"
                            "congestion = 425/200,0/200\ncallwaiting = 425/200,0/600,425/200,0/10000\n"
                            "dialrecall = 470/400,425/400\nrecord = 1400/400,0/15000\ninfo = !950/330,!1400/330,"
                            "!1800/330,0\n",
        "features.conf": "[general]\ntransferdigittimeout = 3\n\n[featuremap]\nblindxfer = #1\natxfer = *2\n"
                         "automixmon = *3\n",
        # CDR: one CSV line per finished call leg in <log>/cdr-csv/Master.csv (UTC, uniqueid and linkedid), read by
        # engine/cdr.py to recover calls that started and ended while AMI was down.
        "cdr.conf": "[general]\nenable = yes\nunanswered = yes\nbatch = no\n\n"
                    "[csv]\nusegmtime = yes\nloguniqueid = yes\nloguserfield = no\nnewcdrcolumns = yes\naccountlogs = no\n",
        # Answering-machine detection for dialer campaigns (AMD() in t-<agency>-dialer): Asterisk's sample values. A
        # greeting longer than 1.5 s or more than 3 words before a pause is a machine; "Hallo?" and silence is a person.
        "amd.conf": "[general]\ninitial_silence = 2500\ngreeting = 1500\nafter_greeting_silence = 800\n"
                    "total_analysis_time = 5000\nmin_word_length = 100\nbetween_words_silence = 50\n"
                    "maximum_number_of_words = 3\nmaximum_word_length = 5000\nsilence_threshold = 256\n",
        "cel.conf": "[general]\nenable = no\n",
        "ccss.conf": "[general]\n",
        "udptl.conf": "[general]\n",
        "acl.conf": "",
        "pjproject.conf": "[startup]\nlog_level = 1\n",
        "stasis.conf": "",
        "confbridge.conf": "[general]\n",
        "res_stun_monitor.conf": "",
        "websocket_client.conf": "",
    }


def render_runtime(profile: RuntimeProfile) -> dict[Path, str]:
    p = profile
    v(p.bind_address, what="adresse")
    for secret in (p.ami_secret, p.ari_secret):
        v(secret, what="hemmelighet")
    files: dict[Path, str] = {p.asterisk_conf: _asterisk_conf(p)}
    for name, text in {**_etc_node(p), **_etc_fixed()}.items():
        files[p.etc_dir / name] = text
    return files


def compose_data(profile: RuntimeProfile) -> DataFolder:
    """The managed Asterisk's data folder: links to the install's data and the best sounds/moh found."""
    system = tuple(Path(d) for d in profile.system_datadirs) if profile.system_datadirs is not None else SYSTEM_DATADIRS
    languages = {}
    if try_ensure_norwegian_prompts(profile.norwegian_sounds_dir):
        languages["no"] = profile.norwegian_sounds_dir
    return compose(profile.data_dir, data_sources(profile.datadir, system_dirs=system), languages=languages)


def write_runtime(profile: RuntimeProfile) -> list[Path]:
    if not profile.moddir or not profile.datadir:
        raise RenderError("moddir og datadir må være satt")
    for name in ("etc", "lib", "lib/keys", "db", "spool", "run", "log", "log/cdr-csv"):
        (profile.base_dir / name).mkdir(parents=True, exist_ok=True)
    compose_data(profile)
    written = []
    for path, text in render_runtime(profile).items():
        if write_atomic(path, text):
            written.append(path)
    return written
