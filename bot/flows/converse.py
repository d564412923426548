"""converse(): one message of a person, top-down.

guards (too long, empty, an idle conversation) → a command → a reply in a ticket's thread → the
conversation under way (a request, with its repairs: cancel, a person, a digression, chitchat, another
request; a follow-up question; a reopen's reason) → a follow-up on an open ticket → the router (NLU).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

from bot.commands.parsing import is_command, parse_command
from bot.commands.registry import cancel_conversation, run_command
from bot.flows import followup, handoff, reopen, request, router, threads, tickets_info
from bot.flows.answers import read_meta
from bot.i18n import LANGUAGES
from bot.intents import REQUEST_INTENTS, REQUEST_TYPES
from bot.turn import Turn
from nlu.language import language_evidence, looks_like_code
from nlu.result import Understanding

MAX_INPUT_CHARS = 4000
CONVERSATION_IDLE = timedelta(minutes=30)
CANCEL_WORDS = frozenset(
    {"abbrechen", "abbruch", "cancel", "stop", "stopp", "vergiss es", "forget it", "never mind", "nevermind"}
)
HANDOFF_CONFIDENCE = 0.8
# A question about tickets in the middle of a request, answered before the request goes on.
DIGRESSION_CONFIDENCE = 0.7
# ...or less sure, when the message names tickets ("was ist mit meinen Tickets?"): "after the update on
# Monday" is an answer to "since when?", not a status question.
NAMED_DIGRESSION_CONFIDENCE = 0.5
_TICKET_WORDS = re.compile(r"\b(?:tickets?|anfragen?|requests?|sd[- ]?\d+)\b", re.IGNORECASE)
# Thanks or hello in the middle of a request: a short word back, then the question again.
CHITCHAT_CONFIDENCE = 0.8
CHITCHAT_WORDS = 4
# ...or longer and less sure, when it is no answer to the question asked ("hallo nochmal, sorry, war kurz
# weg" to "since when?").
OFF_TOPIC_CHITCHAT_CONFIDENCE = 0.6
# Fewer words than this ("im März", "ok") say too little to answer in another language.
LANGUAGE_SWITCH_WORDS = 3
ANOTHER_REQUEST_CONFIDENCE = 0.5
# A request of another type this clear, while a detail (not the subject) is asked, is another request.
OTHER_REQUEST_CONFIDENCE = 0.8
# ...and this clear, when it is the subject asked after a vague opening: then it says what the request is.
SWITCH_CONFIDENCE = 0.6
# Commands that end or replace the conversation under way; after any other, the request goes on.
_ENDING_VERBS = frozenset({"cancel", "abbrechen", "coaching", "start"})
_ANOTHER = re.compile(
    r"\b(?:noch\s+(?:was|etwas|eine\s+sache)|außerdem|ausserdem|zusätzlich|und\s+noch|ach\s+und|"
    r"another\s+thing|one\s+more\s+thing|(?:i|we)\s+(?:would\s+)?also|also\s+(?:need|want|would|could|require)|as\s+well|on\s+top|btw|by\s+the\s+way|übrigens|"
    r"(?:und|and)\s+(?:ich|i)\s+(?:bräuchte|brauche|hätte|möchte|need|would\s+like|want)|noch\s+(?:die|den|das|eine?n?))\b",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """Normalise and drop control and direction characters (they can disguise text); keep newlines."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text)).strip()


def converse(turn: Turn, guess_language: bool = False) -> None:
    """``guess_language``: a newcomer whose platform told no language gets that of their first words."""
    raw = turn.inbound.text
    if len(raw) > MAX_INPUT_CHARS:
        turn.say("message_too_long", length=len(raw), limit=MAX_INPUT_CHARS)
        return
    text = clean_text(raw)
    if not text:
        turn.say("message_empty")
        return
    conversation = turn.conversation
    if conversation.flow and turn.clock.now() - conversation.updated_at > CONVERSATION_IDLE:
        turn.end_flow()
        turn.thread = turn.inbound.thread  # a fresh start answers where the person wrote now
        turn.say("conversation_expired")

    if is_command(text):
        turn.remember("user", text)
        _command(turn, text)
        return
    if _in_ticket_thread(turn, text):
        return
    parsed = turn.nlu.understand(text)
    _follow_language(turn, text, parsed, guess_language)
    if parsed.degraded and not conversation.flow:
        router.tell_degraded(turn)
    if conversation.flow == request.FLOW and not _is_router_button(turn, text):
        _in_request(turn, text, parsed)
        return
    if conversation.flow == followup.FLOW:
        # "Zu SD-3?" answered, or something else written instead: then that is routed as it is.
        if not followup.handle(turn, text, parsed):
            router.route(turn, text, parsed)
        return
    if conversation.flow == reopen.FLOW and reopen.reason(turn, text):
        return
    if _is_cancel(text, parsed):
        cancel_conversation(turn)
        return
    if not turn.inbound.is_button and not conversation.flow and followup.continues(turn, text, parsed):
        return
    router.route(turn, text, parsed)


def _command(turn: Turn, text: str) -> None:
    line = parse_command(text)
    in_request = turn.conversation.flow == request.FLOW
    run_command(turn, line)
    if in_request and turn.conversation.flow == request.FLOW and line.verb not in _ENDING_VERBS:
        # "/tickets" in the middle of a request: answered, and the request goes on where it was.
        request.repeat_question(turn)


def _in_ticket_thread(turn: Turn, text: str) -> bool:
    """Written in the thread of one of the person's tickets (also while another request is under way in
    another thread): a reply on that ticket."""
    conversation, thread = turn.conversation, turn.inbound.thread
    elsewhere = thread is not None and thread != conversation.state.get("thread")
    if (conversation.flow and not elsewhere) or turn.inbound.is_button:
        return False
    answered = threads.answered_ticket(turn)
    if answered is None:
        return False
    turn.remember("user", text)
    ticket, own = answered
    if own:
        threads.add_reply(turn, ticket, text)
    else:
        threads.reply_for_someone_else(turn, ticket, text)
    return True


def _in_request(turn: Turn, text: str, parsed: Understanding) -> None:
    entities = parsed.entities
    if turn.inbound.is_button or looks_like_code(text):
        # A button, or SQL / a log line typed as an answer: taken as the answer, never as a repair.
        request.handle(turn, text, entities)
        return
    if _is_cancel(text, parsed):
        cancel_conversation(turn)
        return
    intent, confidence = _top(parsed)
    if intent == "talk_to_agent" and confidence >= HANDOFF_CONFIDENCE:
        # Asking for a human in the middle of a request hands over; it is no answer to the question.
        handoff.hand_over(turn)
        return
    if request.reads_as_answer(turn, text, entities):
        # "ich bin schon ziemlich eingeschränkt" answers "how badly?", whatever else it resembles.
        request.handle(turn, text, entities)
        return
    if intent in ("my_tickets", "ticket_status") and (
        confidence >= DIGRESSION_CONFIDENCE
        or (confidence >= NAMED_DIGRESSION_CONFIDENCE and _TICKET_WORDS.search(text))
    ):
        _digress(turn, intent, parsed)
        return
    at_summary = turn.conversation.state.get("step") == "confirm"
    if (
        intent == "thanks"
        and confidence >= CHITCHAT_CONFIDENCE
        and at_summary
        and read_meta(turn, text) is None
    ):
        # "perfekt, danke" to "Bitte prüfe deine Anfrage": that is a yes.
        request.submit(turn)
        return
    chitchat = intent in ("thanks", "greet") and (
        (confidence >= CHITCHAT_CONFIDENCE and len(text.split()) <= CHITCHAT_WORDS)
        or (
            confidence >= OFF_TOPIC_CHITCHAT_CONFIDENCE
            and request.answers_something_else(turn, text, entities)
        )
    )
    if chitchat:
        turn.say("chitchat_thanks" if intent == "thanks" else "chitchat_greet")
        request.repeat_question(turn, continuing=False)
        return
    if intent in REQUEST_INTENTS and confidence >= SWITCH_CONFIDENCE and request.opened_vaguely(turn, intent):
        # "Kurze Frage zu meinem Laptop" - "er lädt nicht mehr": the subject says it is an incident.
        request.switch_type(turn, intent, text)
        return
    if intent in REQUEST_INTENTS and (
        (confidence >= ANOTHER_REQUEST_CONFIDENCE and _ANOTHER.search(text))
        or (confidence >= OTHER_REQUEST_CONFIDENCE and _asks_for_another_kind(turn, intent))
    ):
        # "Ach und noch was: ich bräuchte auch Visio": opened after this one, never lost.
        request.queue_request(turn, text, entities)
        return
    request.handle(turn, text, entities)


def _asks_for_another_kind(turn: Turn, intent: str) -> bool:
    state = turn.conversation.state
    if intent == state.get("category") or state.get("step") not in ("ask", "confirm"):
        return False
    title = REQUEST_TYPES[str(state["category"])].title_field
    return state.get("step") == "confirm" or state.get("asking") != title


def _digress(turn: Turn, intent: str, parsed: Understanding) -> None:
    if intent == "my_tickets":
        tickets_info.list_tickets(turn)
    else:
        keys = [e["value"] for e in parsed.found("ticket")]
        tickets_info.show_status(turn, keys[0] if keys else None, ask_which=False)
    request.repeat_question(turn)


def _follow_language(turn: Turn, text: str, parsed: Understanding, guess_language: bool) -> None:
    """A switch of language is followed: this message is answered in the language it is clearly written
    in; a request understood in that language, or two such messages in a row, make it the person's
    language. One odd line (a product name, a pasted error, SQL) changes nothing stored."""
    if turn.inbound.is_button:
        turn.remember("user", text)
        return
    detected = parsed.language
    if guess_language and detected in LANGUAGES:
        turn.person.language = str(detected)
    evidence = language_evidence(text) if len(text.split()) >= LANGUAGE_SWITCH_WORDS else None
    previous = _previous_language(turn)
    turn.remember("user", text, language=evidence)
    if evidence is None or evidence == turn.person.language:
        return
    if previous == evidence or (parsed.language == evidence and _understood(turn, parsed)):
        turn.person.language = evidence
    else:
        turn.answer_in(evidence)


def _understood(turn: Turn, parsed: Understanding) -> bool:
    """A message the NLU understood as something the desk does (not out of scope, not a guess): a
    request written in another language is a real switch, a pasted error line is not."""
    intent, confidence = _top(parsed)
    # A degraded Rasa answer carries the built-in engine's own threshold (see nlu.decision).
    threshold = parsed.threshold if parsed.threshold is not None else turn.nlu.threshold
    return intent not in (None, "out_of_scope") and confidence >= max(threshold, 0.5)


def _previous_language(turn: Turn) -> str | None:
    for entry in reversed(turn.conversation.transcript):
        if entry.get("who") == "user":
            return entry.get("language")  # type: ignore[no-any-return]
    return None


def _top(parsed: Understanding) -> tuple[str, float]:
    return parsed.intent.name, parsed.intent.confidence


def _is_router_button(turn: Turn, text: str) -> bool:
    return turn.inbound.is_button and (text.startswith(router.INTENT_BUTTON) or text == router.HUMAN_BUTTON)


def _is_cancel(text: str, parsed: Understanding) -> bool:
    lowered = text.lower().strip(" .!")
    if lowered in CANCEL_WORDS:
        return True
    intent, confidence = _top(parsed)
    return intent == "cancel" and confidence >= 0.8 and len(text.split()) <= 4
