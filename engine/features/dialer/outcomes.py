"""How a dialer call ended, read from AMI alone (pure: no database, no Asterisk; replayed in the tests from frames
recorded from a real Asterisk).

A call in flight is a ``Flight``, found by the uniqueid the engine gave the channel it originated (``channel_id``:
the contact's Local channel in progressive and predictive mode, the agent's phone in preview mode). ``decide`` turns
one AMI frame into at most one ``Decision``; the dispatcher writes it with the outbound services (``attempt_end``)
and forgets the flight when the attempt has ended. Each flight is decided once: a later frame about it is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

from asterisk_conf import naming

# OriginateResponse «Reason» (Asterisk's AST_CONTROL_* of the originated channel): 3 = rang out, 5 = busy,
# 4 = answered; anything else (0, 1, 8) waits for the Hangup of the channel, whose cause tells busy from failed.
_REASONS = {"3": "noanswer", "5": "busy"}
# The contact leg of a preview call is a Dial from the agent's channel: its DialStatus.
_DIAL_STATUS = {"BUSY": "busy", "NOANSWER": "noanswer"}
# A call found again after an engine restart ends without an OriginateResponse: its hangup cause before answer.
_CAUSES = {"17": "busy", "18": "noanswer", "19": "noanswer", "21": "busy"}


@dataclass
class Flight:
    attempt_id: int
    campaign_id: int
    number: str
    channel_id: str
    dialled_at: float
    preview: bool = False
    state: str = "dialling"  # dialling, failing, agent (preview: the agent answered), answered, connected
    agent_id: int | None = None
    agent: str = ""
    answered_at: float = 0.0
    connected_at: float = 0.0
    resumed: bool = False  # found again after a restart (no OriginateResponse will come)
    failed_at: float = 0.0  # when the Originate failed (state «failing»: the Hangup's cause says why)
    hangup_cause: str = ""  # the channel's Hangup cause, when it came before the OriginateResponse
    action_id: str = ""  # the Originate's ActionID (its OriginateResponse carries it, also when no channel was made)
    decided: bool = False
    counted: bool = False  # the answer is in the predictive pacer's abandon window already (counted when connected)


@dataclass(frozen=True)
class Decision:
    attempt_id: int
    kind: str  # "answered" (the contact answered), "connected" (an agent took it), "end" (with outcome)
    outcome: str = ""
    agent_id: int | None = None


def _by_channel(flights: dict[int, Flight], uniqueid: str) -> Flight | None:
    if not uniqueid:
        return None
    return next((f for f in flights.values() if f.channel_id == uniqueid and not f.decided), None)


def _end(flight: Flight, outcome: str) -> Decision:
    flight.decided = True
    return Decision(flight.attempt_id, "end", outcome, flight.agent_id)


# A call whose Hangup the engine never saw (it ended while the AMI link was down): how far it had come.
_UNSEEN = {"connected": "connected", "answered": "abandoned"}


def ended_unseen(flight: Flight) -> Decision:
    """A call in flight whose channel Asterisk no longer had when the live state was rebuilt: an agent had it
    (connected), it was answered and waited for one (abandoned), or it never got that far (failed, or the busy or no
    answer its Hangup's cause said)."""
    return _end(flight, _UNSEEN.get(flight.state) or _CAUSES.get(flight.hangup_cause, "failed"))


def originate_result(flight: Flight, response: dict[str, str], now: float) -> Decision | None:
    """The OriginateResponse of the flight's Originate (an event after «Originate successfully queued»)."""
    if flight.decided:
        return None
    if response.get("Response") == "Success":
        if flight.preview:
            flight.state = "agent"  # the agent answered; the contact is dialled now (DialEnd tells how it went)
            return None
        if flight.state == "dialling":
            flight.state, flight.answered_at = "answered", now
            return Decision(flight.attempt_id, "answered")
        return None
    if flight.preview:
        return _end(flight, "failed")  # the agent's phone did not answer: the contact was never dialled
    reason = response.get("Reason", "")
    if reason in _REASONS:
        return _end(flight, _REASONS[reason])
    # Through the Local channel a busy callee is «0» here; the ;1 half's Hangup (before or after) has the real cause.
    if flight.hangup_cause:
        return _end(flight, _CAUSES.get(flight.hangup_cause, "failed"))
    flight.state, flight.failed_at = "failing", now
    return None


def decide(flights: dict[int, Flight], ev: dict[str, str], now: float) -> Decision | None:
    """One AMI frame (UserEvent from the dialer context, AgentConnect, DialEnd, Hangup, Newstate)."""
    name = ev.get("Event", "")
    if name == "UserEvent" and ev.get("UserEvent") in ("DialerAbandoned", "DialerMachine"):
        try:
            flight = flights.get(int(ev.get("Attempt", "")))
        except ValueError:
            return None
        if flight is None or flight.decided:
            return None
        return _end(flight, "abandoned" if ev["UserEvent"] == "DialerAbandoned" else "machine")
    if name == "OriginateResponse":
        action_id = ev.get("ActionID", "")
        flight = next((f for f in flights.values() if action_id and f.action_id == action_id), None)
        flight = flight or _by_channel(flights, ev.get("Uniqueid", ""))
        return originate_result(flight, ev, now) if flight is not None else None
    flight = _by_channel(flights, ev.get("Uniqueid", ""))
    if flight is None:
        return None
    if name == "AgentConnect" and not flight.preview:
        member = naming.parse_member_name(ev.get("MemberName", ""))
        flight.state, flight.connected_at = "connected", now
        flight.agent_id = member[1] if member else None
        return Decision(flight.attempt_id, "connected", agent_id=flight.agent_id)
    if name == "DialEnd" and flight.preview and flight.state == "agent":
        status = ev.get("DialStatus", "")
        if status == "ANSWER":
            flight.state, flight.answered_at, flight.connected_at = "connected", now, now
            return Decision(flight.attempt_id, "connected", agent_id=flight.agent_id)
        return _end(flight, _DIAL_STATUS.get(status, "failed"))
    if name == "Newstate" and flight.resumed and flight.state == "dialling" and ev.get("ChannelStateDesc") == "Up":
        flight.state, flight.answered_at = "answered", now
        return Decision(flight.attempt_id, "answered")
    if name == "Hangup":
        if flight.state == "connected":
            return _end(flight, "connected")
        if flight.state == "answered":
            return _end(flight, "abandoned")  # answered, hung up before an agent took the call
        if flight.resumed or flight.preview or flight.state == "failing":
            return _end(flight, _CAUSES.get(ev.get("Cause", ""), "failed"))
        flight.hangup_cause = ev.get("Cause", "") or "0"  # the OriginateResponse follows
    return None
