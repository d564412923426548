"""What to do with a free-text message when no conversation is under way: ask the NLU, then start a
request, answer about tickets, hand over to a human, or say what the bot can do."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from bot.flows import handoff, request, tickets_info
from bot.flows.answers import is_plain_yes
from bot.intents import REQUEST_INTENTS
from bot.messages import Button
from bot.turn import Turn
from nlu.decision import interpret
from nlu.entities import parse_ticket_ref
from nlu.result import Understanding

INTENT_BUTTON = "intent:"
HUMAN_BUTTON = handoff.HUMAN_BUTTON
MAX_CHOICES = 3
# How much a reply typed instead of a choice must lean to a request type to be read with the unclear
# message before it ("Visio" + "auf meinem Laptop, NB-2231" is an order).
REPLY_LEANING = 0.4
# A message not understood that still leans this much to a request type is kept to read with the next one.
PENDING_LEANING = 0.1
_SMALL_TALK = frozenset({"greet", "thanks", "goodbye", "cancel", "deny"})
# While the NLU server is unreachable, each person hears about it once in this long, not on every message.
DEGRADED_NOTICE_EVERY = timedelta(minutes=10)
# Where one message may hold two requests: "Mein Drucker spinnt und ich brauche noch Visio".
_SPLIT = re.compile(
    r"(?:\s*[.;!?]\s+|\s*,?\s+(?:und|and|außerdem|ausserdem|plus|zudem|also|sowie)\s+)"
    r"(?=(?:ich|i|wir|we|mein|meine|my|our|unser|bitte|please|noch|außerdem|also|ausserdem|"
    r"zusätzlich|dann|and|und|ach|btw|der|die|das|the|ein|eine|einen|a|an|could|can|would|könnt\w*|"
    r"kannst|würd\w*|need|brauch\w*|bräucht\w*)\b)",
    re.IGNORECASE,
)
SPLIT_CONFIDENCE = 0.5
# "Need it urgently, ...": a part that points back at the first names nothing of its own.
_BACK_REFERENCE = re.compile(
    r"^\W*(?:[^\W\d_]+\s+){0,2}(?:it|es|this|them|ihn)\b(?!\s+(?:is|ist|has|hat)\b)",
    re.IGNORECASE,
)


def menu(turn: Turn) -> tuple[Button, ...]:
    return (
        *(turn.button(f"cat_{intent}", INTENT_BUTTON + intent) for intent in REQUEST_INTENTS
          if request.allowed(turn, intent)),
        turn.button("btn_human", HUMAN_BUTTON),
    )  # fmt: skip


def introduce(turn: Turn) -> None:
    """Hello by name, what the bot can do, and the request types to choose from."""
    turn.say_text(
        "\n".join([turn.text("greeting", name=turn.person.display_name), turn.text("help")]), menu(turn)
    )


def tell_degraded(turn: Turn) -> None:
    """The Rasa server is down and the built-in engine answered: say so before routing, so a wrong
    guess does not look like the bot's normal understanding."""
    now, told = turn.clock.now(), turn.degraded_told.get(turn.person.id)
    if told is None or now - told >= DEGRADED_NOTICE_EVERY:
        turn.degraded_told[turn.person.id] = now
        turn.say("nlu_degraded")


def route_queued(turn: Turn, text: str, entities: list[Any], queued: list[Any]) -> None:
    """A request the person announced while another was under way, taken up now."""
    parsed = turn.nlu.understand(text)
    decision = interpret(parsed, turn.nlu.threshold, turn.nlu.margin)
    intents = [i for i in decision.intents if i in REQUEST_INTENTS]
    if not intents:
        turn.say("not_understood", menu(turn))
        return
    request.start(turn, intents[0], text, parsed.entities or entities, queued)


def route(turn: Turn, text: str, parsed: Understanding) -> None:
    # After "did you mean...?", the chosen type is pre-filled from the message that was ambiguous.
    pending = turn.conversation.state.get("pending_text")
    pending_entities = turn.conversation.state.get("pending_entities") or []
    pending_choices = turn.conversation.state.get("pending_choices") or []
    turn.end_flow()
    pressed = turn.inbound.is_button
    if pressed and text.startswith(INTENT_BUTTON) and text[len(INTENT_BUTTON) :] in REQUEST_INTENTS:
        request.start(turn, text[len(INTENT_BUTTON) :], pending, pending_entities)
        return
    if pressed and text == HUMAN_BUTTON:
        handoff.hand_over(turn)
        return
    if pending and pending_choices and not pressed and is_plain_yes(turn, text):
        # "ja" to "Meinst du eines davon?": the likeliest, shown first.
        request.start(turn, pending_choices[0], pending, pending_entities)
        return
    if pending and not pressed:
        # "Visio" was unclear (or not understood at all); "auf meinem Laptop, NB-2231" typed instead of a
        # choice says which: the two together are read as one request when that makes it clear; after a
        # choice was offered, only when the reply itself leans that way ("nur ich" says nothing of which).
        # Small talk ("danke, tschüss") is no part of a request.
        combined = f"{pending} {text}"
        parsed_both = turn.nlu.understand(combined)
        both = interpret(parsed_both, turn.nlu.threshold, turn.nlu.margin)
        leaning = {scored.name: scored.confidence for scored in parsed.ranking}
        if (
            both.kind == "clear"
            and both.intents[0] in REQUEST_INTENTS
            and not (parsed.intent.name in _SMALL_TALK and parsed.intent.confidence >= turn.nlu.threshold)
            and (
                not pending_choices
                or (both.intents[0] in pending_choices and leaning.get(both.intents[0], 0.0) >= REPLY_LEANING)
            )
        ):
            text, parsed = combined, parsed_both
    if (key := parse_ticket_ref(text)) is not None:
        # A ticket number on its own ("42", "#42", "SD-42") asks about that ticket.
        tickets_info.show_status(turn, key)
        return

    decision = interpret(parsed, turn.nlu.threshold, turn.nlu.margin)
    if decision.kind != "unknown" and any(i in REQUEST_INTENTS for i in decision.intents):
        two = _two_requests(turn, text)
        if two is not None:
            # Both are handled, the first-named first: the second waits in the first one's queue. (The
            # whole message may read as neither: "the VPN guide and a Teams training for my team".)
            (category, head, entities), second = two
            request.start(turn, category, head, entities, [second])
            return
    if decision.kind == "ambiguous":
        choices = [i for i in decision.intents if i in REQUEST_INTENTS and request.allowed(turn, i)][
            :MAX_CHOICES
        ]
        # A person asked for stays among the options: never routed into a request type instead.
        human = "talk_to_agent" in decision.intents
        if len(choices) >= 2 or (choices and human):
            turn.update_state(
                pending_text=text, pending_entities=parsed.entity_dicts(), pending_choices=choices
            )
            buttons = [turn.button(f"cat_{c}", INTENT_BUTTON + c) for c in choices]
            if human:
                buttons.append(turn.button("btn_human", HUMAN_BUTTON))
            turn.say("ambiguous", tuple(buttons))
            return
        decision_intent = choices[0] if choices else decision.intents[0]
    elif decision.kind == "unknown":
        if _near_a_request(parsed):
            # "Die Uhr in meiner Taskleiste geht 5 Minuten nach": not understood, but what comes next
            # ("seit der Zeitumstellung", or a type chosen from the menu) is read together with it.
            turn.update_state(pending_text=text, pending_entities=parsed.entity_dicts(), pending_choices=[])
        turn.say("not_understood", menu(turn))
        return
    else:
        decision_intent = decision.intents[0]
    _act(turn, decision_intent, text, parsed)


def _near_a_request(parsed: Understanding) -> bool:
    return any(s.name in REQUEST_INTENTS and s.confidence >= PENDING_LEANING for s in parsed.ranking)


def _act(turn: Turn, intent: str, text: str, parsed: Understanding) -> None:
    if intent in REQUEST_INTENTS:
        request.start(turn, intent, text, parsed.entities)
    elif intent == "ticket_status":
        tickets = [e["value"] for e in parsed.found("ticket")]
        tickets_info.show_status(turn, tickets[0] if tickets else None)
    elif intent == "my_tickets":
        tickets_info.list_tickets(turn)
    elif intent == "talk_to_agent":
        handoff.hand_over(turn)
    elif intent == "greet":
        introduce(turn)
    elif intent == "help":
        turn.say("help", menu(turn))
    elif intent == "goodbye":
        turn.say("goodbye")
    elif intent == "thanks":
        turn.say("thanks_reply")
    elif intent == "cancel":
        turn.say("nothing_to_cancel")
    elif intent in ("affirm", "deny"):
        turn.say("menu_prompt", menu(turn))
    else:
        turn.say("not_understood", menu(turn))


def _two_requests(
    turn: Turn, text: str
) -> tuple[tuple[str, str, Sequence[Mapping[str, Any]]], dict[str, Any]] | None:
    """One message that asks for two things of different types ("Mein Drucker spinnt und ich brauche
    noch Visio"): the first (its type, its words, its entities) and the second, to queue."""
    for match in _SPLIT.finditer(text):
        head, tail = text[: match.start()].strip(), text[match.end() :].strip()
        if len(head.split()) < 2 or len(tail.split()) < 2 or _BACK_REFERENCE.match(tail):
            continue
        parsed_head, parsed_tail = turn.nlu.understand(head), turn.nlu.understand(tail)
        first, second = _clear_request(turn, parsed_head), _clear_request(turn, parsed_tail)
        if first and second and first != second:
            return (first, head, parsed_head.entities), {"text": tail, "entities": parsed_tail.entity_dicts()}
    return None


def _clear_request(turn: Turn, parsed: Understanding) -> str | None:
    """The request type a part of a message clearly asks for, and the person may ask for ("Hi, ich fange
    nächste Woche mit dem Datenprojekt an" reads as coaching, which only project leads book)."""
    decision = interpret(parsed, turn.nlu.threshold, turn.nlu.margin)
    if decision.kind != "clear" or decision.intents[0] not in REQUEST_INTENTS:
        return None
    if not request.allowed(turn, decision.intents[0]):
        return None
    return decision.intents[0] if parsed.intent.confidence >= SPLIT_CONFIDENCE else None
