"""What to do with a free-text message when no conversation is under way: ask the NLU, then start a
request, answer about tickets, hand over to a human, or say what the bot can do."""

from __future__ import annotations

from typing import Any

from bot.flows import handoff, request, tickets_info
from bot.intents import REQUEST_INTENTS
from bot.messages import Button
from bot.turn import Turn
from nlu.decision import interpret
from nlu.entities import parse_ticket_ref

INTENT_BUTTON = "intent:"
HUMAN_BUTTON = "human"
MAX_CHOICES = 3


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


def route(turn: Turn, text: str, parsed: dict[str, Any]) -> None:
    # After "did you mean...?", the chosen type is pre-filled from the message that was ambiguous.
    pending = turn.conversation.state.get("pending_text")
    pending_entities = turn.conversation.state.get("pending_entities") or []
    turn.end_flow()
    pressed = turn.inbound.is_button
    if pressed and text.startswith(INTENT_BUTTON) and text[len(INTENT_BUTTON) :] in REQUEST_INTENTS:
        request.start(turn, text[len(INTENT_BUTTON) :], pending, pending_entities)
        return
    if pressed and text == HUMAN_BUTTON:
        handoff.hand_over(turn)
        return
    if (key := parse_ticket_ref(text)) is not None:
        # A ticket number on its own ("42", "#42", "SD-42") asks about that ticket.
        tickets_info.show_status(turn, key)
        return

    decision = interpret(parsed, turn.nlu.threshold, turn.nlu.margin)
    if decision.kind == "ambiguous":
        choices = [i for i in decision.intents if i in REQUEST_INTENTS and request.allowed(turn, i)][
            :MAX_CHOICES
        ]
        if len(choices) >= 2:
            turn.update_state(pending_text=text, pending_entities=parsed.get("entities") or [])
            turn.say("ambiguous", tuple(turn.button(f"cat_{c}", INTENT_BUTTON + c) for c in choices))
            return
        decision_intent = choices[0] if choices else decision.intents[0]
    elif decision.kind == "unknown":
        turn.say("not_understood", menu(turn))
        return
    else:
        decision_intent = decision.intents[0]
    _act(turn, decision_intent, text, parsed)


def _act(turn: Turn, intent: str, text: str, parsed: dict[str, Any]) -> None:
    if intent in REQUEST_INTENTS:
        request.start(turn, intent, text, parsed.get("entities") or [])
    elif intent == "ticket_status":
        tickets = [e["value"] for e in parsed.get("entities", []) if e.get("entity") == "ticket"]
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
