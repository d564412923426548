"""Follow-ups on open tickets, outside any thread: "Danke, Drucker heißt HP-3OG-1" after Anna took the
ticket, "ok ist an" while the desk waits on the requester, "nee, geht immer noch nicht" after a
resolution. A message that plainly continues one of the requester's tickets reaches its handler (and
resumes a waiting ticket); when unsure, or with several candidates, the bot asks "Zu SD-3 (Drucker)?"
with buttons. A reopen asks for the reason and records it.
"""

from __future__ import annotations

import re

from bot.desk.errors import DeskError
from bot.desk.status import Status
from bot.flows import threads
from bot.flows.reopen import ask_reason, handler_name
from bot.intents import REQUEST_INTENTS
from bot.messages import Button
from bot.turn import Turn
from nlu.answers import NONE
from nlu.decision import interpret
from nlu.result import Understanding
from storage.models import Ticket

FLOW = "followup"
PICK_BUTTON = "followup:"
NEW_BUTTON = "followup:new"
YESNO_CONFIDENCE = 0.6
MAX_OFFERED = 3
# While the desk waits on the requester, only a request this sure is a new one rather than the answer.
WAITING_NEW_REQUEST_CONFIDENCE = 0.8
# Small talk alone ("danke", "hallo") is answered as such, not added to a ticket.
_SMALL_TALK = frozenset({"greet", "thanks", "goodbye"})
_NEVER_A_FOLLOW_UP = frozenset({"ticket_status", "my_tickets", "help", "cancel"})
_WORD = re.compile(r"[^\W\d_]{4,}")
# Words too common to say what a message is about.
_STOPWORD_TEXT = """
bitte danke dank nicht mehr immer schon noch heute gestern morgen seit habe haben hast wird werden
kann können geht gehen funktioniert einen einer eines einem meine meinen meinem meiner unser unsere
diese dieser dieses dass wenn aber oder auch sehr ganz alle alles nichts etwas wieder jetzt please
thanks thank still again since today yesterday morning evening every minutes hours days week
have will would could should does doesn't doesn didn isn wasn aren hasn haven couldn wouldn works
working with from that this there their about just only also what when which your mine
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_PRINTED_TITLE = 40
_STEM = 5
_STILL_WORDS = frozenset(
    {"nope", "nein", "noch", "immer", "still", "again", "wieder", "work", "geht", "klappt", "funktioniert",
     "problem", "same", "gleiche", "selbe", "leider", "sadly", "fixed", "solved", "gelöst", "behoben"}
)  # fmt: skip
_REQUESTS = frozenset({*REQUEST_INTENTS, "talk_to_agent"})
# "geht immer noch nicht", "still broken", "schon wieder": the resolution did not help.
_STILL_BROKEN = re.compile(
    r"\b(?:immer\s+noch|noch\s+immer|schon\s+wieder|nach\s+wie\s+vor|still|again|not\s+(?:fixed|solved)|"
    r"nicht\s+(?:gelöst|behoben))\b",
    re.IGNORECASE,
)


def continues(turn: Turn, text: str, parsed: Understanding) -> bool:
    """Whether the message was taken as a follow-up on one of the person's tickets (then answered)."""
    intent, confidence = _top(parsed)
    words = _content_words(text)
    if intent in _NEVER_A_FOLLOW_UP and confidence >= turn.nlu.threshold:
        return False  # "Wie ist der Stand von meinem Drucker-Ticket?" is answered, not added to it
    if intent in _SMALL_TALK and not words:
        return False
    candidates = _candidates(turn)
    if not candidates:
        return False
    items = {str(e["value"]) for e in parsed.found("software", "hardware")}
    # Read as a request (or among likely requests): a new one, not a follow-up.
    decision = interpret(parsed, turn.nlu.threshold, turn.nlu.margin)
    new_request = decision.kind != "unknown" and any(i in _REQUESTS for i in decision.intents)
    resolved = [t for t in candidates if t.status == Status.RESOLVED]
    # "I still need Visio" is a new request, not a verdict on the resolved printer ticket.
    clear_request = new_request and decision.kind == "clear"
    about_resolved = resolved and (not clear_request or _shares(turn, resolved[0], items, words))
    if about_resolved and _reacts_to_resolution(turn, resolved[0], text):
        return True
    related = [
        t
        for t in candidates
        if t.status != Status.RESOLVED and (_shares(turn, t, items, words) or _names(t, text))
    ]
    named = any(_names(t, text) for t in related)
    active = [t for t in candidates if t.status != Status.RESOLVED]
    waiting = [t for t in active if t.status == Status.WAITING]
    if clear_request and not named:
        if not related and len(waiting) == 1 and confidence < WAITING_NEW_REQUEST_CONFIDENCE:
            # The desk asked something ("Standard or Professional?"): "Standard is enough" is the answer,
            # however much it resembles a request.
            _attach(turn, waiting[0], text)
            return True
        if not related:
            return False  # a request as clear as a first message, on another subject: a new one
        # A request on the subject of an open ticket ("Der Drucker zeigt jetzt Fehler E-204"): more
        # about it, or a new problem? The person decides.
        _ask_which(turn, related[:MAX_OFFERED], text)
        return True
    if len(related) == 1:
        _attach(turn, related[0], text)
        return True
    if len(related) == 0 and len(waiting) == 1:
        # The desk asked the requester something; what they write now is most likely the answer.
        _attach(turn, waiting[0], text)
        return True
    if new_request and not named:
        return False
    offered = related or active
    if not offered or (intent in _SMALL_TALK and not related):
        return False
    _ask_which(turn, offered[:MAX_OFFERED], text)
    return True


def handle(turn: Turn, text: str, parsed: Understanding) -> bool:
    """The answer to "Zu SD-3 (Drucker)?": the message goes to that ticket, or on as a new request.
    False when the person wrote something else: the conversation goes on as if not asked."""
    state = turn.conversation.state
    pending, keys = str(state.get("pending") or ""), list(state.get("keys") or [])
    key: str | None = None
    if turn.inbound.is_button and text.startswith(PICK_BUTTON):
        key = None if text == NEW_BUTTON else text[len(PICK_BUTTON) :]
    else:
        reading = turn.nlu.read_answer("yesno", text)
        if reading.label == NONE or reading.confidence < YESNO_CONFIDENCE:
            turn.end_flow()
            return False
        key = keys[0] if reading.label == "yes" and len(keys) == 1 else None
        if reading.label == "yes" and len(keys) > 1:
            return _ask_again(turn, keys, pending)
    turn.end_flow()
    if key is None:
        from bot.flows import router  # the router is the way in for new requests; it imports this module

        router.route(turn, pending, turn.nlu.understand(pending))
        return True
    try:
        ticket = turn.desk.ticket_for(turn.person, key)
    except DeskError as error:
        turn.say_error(error)
        return True
    _attach(turn, ticket, pending)
    return True


# ---- internals --------------------------------------------------------------------------------------
def _candidates(turn: Turn) -> list[Ticket]:
    """The requester's tickets someone is working on, waiting on them, or resolved and not yet confirmed;
    the latest change first."""
    tickets = turn.desk.requested_by(turn.person, open_only=True)
    return sorted(
        (t for t in tickets if t.status != Status.NEW or t.assignee_id is not None),
        key=lambda t: t.updated_at,
        reverse=True,
    )


def _reacts_to_resolution(turn: Turn, ticket: Ticket, text: str) -> bool:
    """ "ja passt, danke" confirms a resolved ticket; "nee, geht immer noch nicht" reopens it."""
    reading = turn.nlu.read_answer("yesno", text)
    still_broken = _STILL_BROKEN.search(text) is not None
    if not still_broken and (reading.label == NONE or reading.confidence < YESNO_CONFIDENCE):
        return False
    try:
        with turn.session.begin_nested():
            if reading.label == "yes" and not still_broken:
                turn.desk.confirm(turn.person, ticket.key)
                turn.say("done_confirm", key=ticket.key)
                return True
            # "nope, still doesn't work" gives no reason; "druckt wieder leere Seiten" does.
            words = _content_words(text) - _STILL_WORDS
            turn.desk.reopen(turn.person, ticket.key, text if words else None)
    except DeskError as error:
        turn.say_error(error)
        return True
    if words:
        turn.say("reopen_reason_recorded", key=ticket.key, name=handler_name(ticket))
    else:
        ask_reason(turn, ticket)
    return True


def _attach(turn: Turn, ticket: Ticket, text: str) -> None:
    threads.add_reply(turn, ticket, text)


def _ask_which(turn: Turn, tickets: list[Ticket], text: str) -> None:
    turn.start_flow(FLOW, {"pending": text[:1000], "keys": [t.key for t in tickets]})
    buttons = [Button(f"{t.key} ({_short(t.title)})", PICK_BUTTON + t.key) for t in tickets]
    buttons.append(turn.button("btn_new_request", NEW_BUTTON))
    turn.say("followup_which", tuple(buttons))


def _ask_again(turn: Turn, keys: list[str], pending: str) -> bool:
    tickets = [turn.desk.ticket_for(turn.person, key) for key in keys]
    _ask_which(turn, tickets, pending)
    return True


def _content_words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if w.lower() not in _STOPWORDS}


def _shares(turn: Turn, ticket: Ticket, items: set[str], words: set[str]) -> bool:
    """Whether the message (its catalogue ``items`` and content ``words``) is about the ticket's
    subject: the same software or hardware ("Drucker" and "printer" alike), or, when it names none, a
    word of substance."""
    about = " ".join([ticket.title, *map(str, (ticket.details or {}).values())])
    if items:
        return bool(items & _items(turn, about))
    # "scanning" and "scanner", "Drucker" and "druckt": the same stem is the same subject.
    stems = {w[:_STEM] for w in _content_words(about) if len(w) >= _STEM}
    return bool(words & _content_words(about)) or any(w[:_STEM] in stems for w in words if len(w) >= _STEM)


def _items(turn: Turn, text: str) -> set[str]:
    return {
        str(entity["value"])
        for entity in turn.nlu.entities.extract(text)
        if entity["entity"] in ("software", "hardware")
    }


def _names(ticket: Ticket, text: str) -> bool:
    """ "Hallo Anna, ..." to the person who handles the ticket."""
    if ticket.assignee is None:
        return False
    first = ticket.assignee.display_name.split()[0].lower()
    return bool(re.search(rf"\b{re.escape(first)}\b", text.lower()))


def _short(title: str) -> str:
    return title if len(title) <= _PRINTED_TITLE else title[: _PRINTED_TITLE - 1] + "…"


def _top(parsed: Understanding) -> tuple[str, float]:
    return parsed.intent.name, parsed.intent.confidence
