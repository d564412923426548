"""Opening a ticket: ask what the request type needs, pre-fill from the first message, show a summary
with confirm / change / cancel, then open the ticket.

State (in the conversation row): category, answers, the question being asked, and the step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.desk.tickets import NewTicket
from bot.flows.answers import MAX_PARTICIPANTS, buttons_for, level_labels, parse_answer, question_key
from bot.intents import REQUEST_TYPES, FirstMessage, Question, RequestType
from bot.messages import Button
from bot.turn import Turn

FLOW = "request"
CONFIRM, CHANGE, CANCEL = "confirm", "change", "cancel"
_CONFIRM_WORDS = {
    "confirm",
    "submit",
    "absenden",
    "ja",
    "yes",
    "ok",
    "okay",
    "passt",
    "bestätigen",
    "correct",
}
_CHANGE_WORDS = {"change", "ändern", "aendern", "edit", "korrigieren"}


def allowed(turn: Turn, category: str) -> bool:
    required = REQUEST_TYPES[category].required_roles
    return not required or turn.person.has_role(*required)


def start(
    turn: Turn, category: str, first_message: str | None, entities: Sequence[Mapping[str, Any]] = ()
) -> None:
    """Begin a request of this type; what the first message already says (in its words or as the NLU's
    entities: items, urgency, head count, dates) is not asked again."""
    if not allowed(turn, category):
        turn.say("coaching_not_allowed")
        return
    request_type = REQUEST_TYPES[category]
    answers: dict[str, str] = {}
    if first_message:
        message = FirstMessage(first_message, tuple(entities), turn.language)
        for question in request_type.questions:
            if question.prefill and (value := question.prefill(message)):
                answers[question.name] = value
    turn.start_flow(FLOW, {"category": category, "answers": answers, "first": first_message or ""})
    _next(turn)


def handle(turn: Turn, text: str, entities: Sequence[Mapping[str, Any]] = ()) -> None:
    """One message of a request under way; ``entities`` are the NLU's, found in ``text``."""
    state = turn.conversation.state
    request_type = REQUEST_TYPES[state["category"]]
    step = state.get("step")
    if step == "confirm":
        _on_confirm(turn, request_type, text)
    elif step == "change":
        _on_change(turn, request_type, text)
    else:
        _on_answer(turn, request_type, text, entities)


def _on_answer(
    turn: Turn, request_type: RequestType, text: str, entities: Sequence[Mapping[str, Any]]
) -> None:
    question = request_type.question(turn.conversation.state["asking"])
    parsed = parse_answer(turn, question, text, entities)
    if parsed.value is None:
        # The hint, then the question again: the person sees what is being asked and how to answer.
        hint = turn.text(parsed.problem or "answer_choose", max=MAX_PARTICIPANTS)
        again = turn.text(question_key(request_type.category, question))
        turn.say_text(f"{hint}\n{again}", buttons_for(turn, question))
        return
    answers = {**turn.conversation.state["answers"], question.name: parsed.value}
    turn.update_state(answers=answers, asking=None, step=None)
    _next(turn)


def _next(turn: Turn) -> None:
    """Ask the first question still unanswered, or show the summary."""
    state = turn.conversation.state
    request_type = REQUEST_TYPES[state["category"]]
    for question in request_type.questions:
        if question.ask and question.name not in state["answers"]:
            turn.update_state(asking=question.name, step="ask")
            turn.say(question_key(request_type.category, question), buttons_for(turn, question))
            return
    _show_summary(turn, request_type)


def _show_summary(turn: Turn, request_type: RequestType) -> None:
    turn.update_state(step="confirm", asking=None)
    answers = turn.conversation.state["answers"]
    lines = [
        f"• {turn.text(f'f_{q.name}')}: {_shown(turn, q, answers[q.name])}"
        for q in request_type.questions
        if q.name in answers
    ]
    impact, urgency = _levels(request_type, answers)
    turn.say(
        "summary",
        (
            turn.button("btn_confirm", CONFIRM),
            turn.button("btn_change", CHANGE),
            turn.button("btn_cancel", CANCEL),
        ),
        category=turn.text(f"cat_{request_type.category}"),
        priority=turn.config.priority(impact, urgency),
        fields="\n".join(lines),
    )


def _on_confirm(turn: Turn, request_type: RequestType, text: str) -> None:
    choice = text.strip().lower()
    if choice in _CONFIRM_WORDS:
        _open_ticket(turn, request_type)
    elif choice in _CHANGE_WORDS:
        turn.update_state(step="change")
        buttons = tuple(Button(turn.text(f"f_{q.name}"), q.name) for q in request_type.questions)
        turn.say("change_which", buttons)
    else:
        _show_summary(turn, request_type)


def _on_change(turn: Turn, request_type: RequestType, text: str) -> None:
    choice = text.strip().lower()
    labels = {
        name: q.name
        for q in request_type.questions
        for name in (q.name, *(turn.translate(lang, f"f_{q.name}").lower() for lang in ("de", "en")))
    }
    if choice.isdigit() and 1 <= int(choice) <= len(request_type.questions):
        field_name: str | None = request_type.questions[int(choice) - 1].name
    else:
        field_name = labels.get(choice)
    if field_name is None:
        buttons = tuple(Button(turn.text(f"f_{q.name}"), q.name) for q in request_type.questions)
        turn.say("answer_choose", buttons)
        return
    question = request_type.question(field_name)
    turn.update_state(step="ask", asking=field_name)
    turn.say(question_key(request_type.category, question), buttons_for(turn, question))


def _open_ticket(turn: Turn, request_type: RequestType) -> None:
    state = turn.conversation.state
    answers: dict[str, Any] = state["answers"]
    impact, urgency = _levels(request_type, answers)
    details = {name: value for name, value in answers.items() if name not in ("impact", "urgency")}
    description = state.get("first") or answers.get(request_type.title_field, "")
    turn.end_flow()
    turn.desk.open(
        turn.person,
        NewTicket(
            category=request_type.category,
            title=answers.get(request_type.title_field, request_type.category),
            description=description,
            impact=impact,
            urgency=urgency,
            details=details,
            language=turn.language,
        ),
        turn.origin,
    )


def _levels(request_type: RequestType, answers: dict[str, Any]) -> tuple[str, str]:
    return answers.get("impact", request_type.default_impact), answers.get(
        "urgency", request_type.default_urgency
    )


def _shown(turn: Turn, question: Question, value: str) -> str:
    return turn.text(f"{level_labels(question)}_{value}") if question.kind in ("impact", "urgency") else value


__all__ = ["FLOW", "allowed", "handle", "start"]
