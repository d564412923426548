"""Opening a ticket: ask what the request type needs, pre-filled from everything the person has said,
show a summary with confirm / change / cancel, then open the ticket.

The person may answer in their own words at every step, answer ahead, correct an earlier answer in one
message ("ach nein, seit gestern schon", also at the summary), say "weiß nicht" where a field may stay
open, ask what a question means, or drop the request ("hat sich erledigt"). An answer not understood is
asked back once in other words with examples; after a second miss only the buttons and a person are
offered; after a third, a colleague takes over. Never the same re-prompt twice, never a loop.

State (in the conversation row): category, answers, the fields left unknown, the question being asked,
the step, the misses at this step, and requests announced meanwhile (opened after this one).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot.desk.tickets import NewTicket
from bot.flows import handoff
from bot.flows.answers import (
    AHEAD_CONFIDENCE,
    MAX_ANSWER,
    MAX_PARTICIPANTS,
    Answer,
    buttons_for,
    guess_level,
    is_plain_yes,
    level_labels,
    outweighs_meta,
    question_key,
    read_count,
    read_level,
    read_meta,
    reask_key,
    understand,
)
from bot.intents import REQUEST_TYPES, FirstMessage, Question, RequestType
from bot.intents import prefill as prefills
from bot.messages import Button
from bot.turn import Turn
from nlu.answers import NONE

FLOW = "request"
CONFIRM, CHANGE, CANCEL = "confirm", "change", "cancel"
LEVEL_KINDS = ("impact", "urgency")
# The answer classifiers learnt short answers: a longer text (a pasted description) is read only for
# their fixed phrases for a question not asked.
AHEAD_MAX_WORDS = 12
MIN_CLAUSE_WORDS = 3
_CLAUSE_END = re.compile(r"[.!?;:]+\s+|,\s+(?=(?:aber|but|und|and|so|also|daher|deshalb|weil|because)\b)|\n+")
# Misses at one step before only buttons are offered, and before a colleague takes over.
BUTTONS_ONLY_AFTER, HANDOFF_AFTER = 1, 2
SUMMARY_CONFIDENCE = 0.5
# A yes this sure, that the summary's own reading does not take, still confirms it.
CLEAR_YES_CONFIDENCE = 0.8
MAX_QUEUED = 3
# A message that says it corrects something said before.
_CORRECTION = re.compile(
    r"^\s*(?:ach\s+)?(?:nein|nee|ne|doch|sorry|moment|halt|korrektur|eigentlich|stimmt\s+nicht|oh|oops|"
    r"no|nope|wait|actually|correction|my\s+bad|i\s+mean|ich\s+meine)\b|\b(?:doch|eigentlich|"
    r"actually|rather|sondern|instead|korrigier\w*|correction|(?<!s\s)(?<!ll\s)(?<!ly\s)correct)\b",
    re.IGNORECASE,
)
# "die Dringlichkeit ist doch hoch", "Gerät: NB-2041", "the device is NB-2041": a field named, a value.
_NAMED = (
    r"(?:(?:die|der|das|the|mein|meine|my)\s+)?{label}\s*(?:ist|is|=|:|sollte\s+sein|should\s+be)\s+"
    r"(?P<value>.+)"
)
_FILLERS = re.compile(r"^(?:doch|eigentlich|actually|really|jetzt|now|eher|rather)\s+", re.IGNORECASE)
_LEVEL_WORDS = {
    "high": ("hoch", "high", "dringend", "urgent", "kritisch", "critical", "sehr hoch"),
    "medium": ("mittel", "medium", "normal", "moderate", "mäßig"),
    "low": ("niedrig", "low", "gering", "nicht dringend", "not urgent", "keine eile", "no rush"),
}


def allowed(turn: Turn, category: str) -> bool:
    required = REQUEST_TYPES[category].required_roles
    return not required or turn.person.has_role(*required)


def start(
    turn: Turn,
    category: str,
    first_message: str | None,
    entities: Sequence[Mapping[str, Any]] = (),
    queued: Sequence[Mapping[str, Any]] = (),
) -> None:
    """Begin a request of this type; what the first message already says (in its words or as the NLU's
    entities: items, urgency, head count, dates) is not asked again. ``queued``: requests the person
    announced meanwhile, taken up after this one."""
    if not allowed(turn, category):
        turn.say("coaching_not_allowed")
        _next_queued(turn, list(queued))
        return
    request_type = REQUEST_TYPES[category]
    answers: dict[str, str] = {}
    if first_message:
        message = FirstMessage(first_message, tuple(entities), turn.language)
        for question in request_type.questions:
            if question.prefill and (value := question.prefill(message)):
                answers[question.name] = value
        # Who is affected and how badly, when the first message says so clearly to the classifiers.
        levels = {q.name for q in request_type.questions if q.kind in LEVEL_KINDS and q.name not in answers}
        answers.update(_found(turn, request_type, first_message, entities, names=levels))
    turn.start_flow(
        FLOW,
        {"category": category, "answers": answers, "first": first_message or "", "queued": list(queued)},
    )
    _next(turn)


def handle(turn: Turn, text: str, entities: Sequence[Mapping[str, Any]] = ()) -> None:
    """One message of a request under way; ``entities`` are the NLU's, found in ``text``."""
    state = turn.conversation.state
    request_type = REQUEST_TYPES[state["category"]]
    step = state.get("step")
    if not turn.inbound.is_button:
        meta = read_meta(turn, text)
        if meta == "withdraw" and step == "confirm" and _summary_choice(turn, text) == CONFIRM:
            meta = None  # "that's it" to the summary: that is all, send it
        if meta and step == "ask" and outweighs_meta(turn, request_type.question(state["asking"]), text):
            meta = None
        if meta == "withdraw":
            withdraw(turn)
            return
        if meta == "clarify":
            _clarify(turn, request_type)
            return
        if meta == "dont_know" and step == "ask":
            known = _known_part(turn, request_type, text, entities)
            if known is not None:
                # "weiß nicht genau, so seit letzter Woche", "my ThinkPad, the number I don't know".
                _store(turn, {state["asking"]: known})
                _next(turn)
                return
            if _dont_know(turn, request_type):
                return
    if step == "confirm":
        _on_confirm(turn, request_type, text, entities)
    elif step == "change":
        _on_change(turn, request_type, text, entities)
    else:
        _on_answer(turn, request_type, text, entities)


def reads_as_answer(turn: Turn, text: str, entities: Sequence[Mapping[str, Any]]) -> bool:
    """Whether the message plainly answers the open choice (a level, a number, the summary)."""
    state = turn.conversation.state
    if state.get("step") == "confirm":
        return _summary_choice(turn, text) is not None
    if state.get("step") != "ask" or not state.get("asking"):
        return False
    question = REQUEST_TYPES[state["category"]].question(state["asking"])
    if question.kind not in (*LEVEL_KINDS, "number"):
        # "..., aber sonst mein Laptop NB-0815" to "which device?": what the question looks for is there.
        found = question.prefill is not None and question.prefill is not prefills.description
        return found and question.prefill(FirstMessage(text, tuple(entities))) is not None  # type: ignore[misc]
    return understand(turn, question, text, entities).value is not None


def answers_something_else(turn: Turn, text: str, entities: Sequence[Mapping[str, Any]]) -> bool:
    """Whether the message is no fitting answer to the open question ("hi again, sorry" to "since
    when?"): then a greeting or thanks in it is chitchat, however long."""
    state = turn.conversation.state
    if state.get("step") != "ask" or not state.get("asking"):
        return False
    question = REQUEST_TYPES[state["category"]].question(state["asking"])
    return question.fits is not None and not question.fits(FirstMessage(text, tuple(entities)))


def submit(turn: Turn) -> None:
    """Open the request as summarised ("danke, passt" at the summary)."""
    _open_ticket(turn, REQUEST_TYPES[turn.conversation.state["category"]])


# The types a vague opening is read as ("Kurze Frage zu ...", "Problem mit ..."). A coaching or a training
# was asked for by name: its topic ("project kickoff for our SAP rollout") never changes the type.
_OPENED_VAGUELY = frozenset({"user_support", "incident", "documentation"})


def opened_vaguely(turn: Turn, intent: str) -> bool:
    """Whether the subject is still asked after a vague opening ("quick question about my laptop") and
    ``intent`` is another type the person may ask for: then the answer decides the type."""
    state = turn.conversation.state
    request_type = REQUEST_TYPES[state["category"]]
    return (
        intent != state["category"]
        and state["category"] in _OPENED_VAGUELY
        and intent in REQUEST_TYPES
        and allowed(turn, intent)
        and state.get("step") == "ask"
        and state.get("asking") == request_type.title_field
    )


def switch_type(turn: Turn, intent: str, text: str) -> None:
    """ "it doesn't charge anymore" after "quick question about my laptop": an incident, read together
    with the opening."""
    state = turn.conversation.state
    combined = f"{state.get('first') or ''} {text}".strip()[:MAX_ANSWER]
    start(turn, intent, combined, turn.nlu.understand(combined).entities, list(state.get("queued") or []))


def queue_request(turn: Turn, text: str, entities: Sequence[Mapping[str, Any]]) -> None:
    """Another request announced in the middle of this one: noted, opened after this one."""
    queued = list(turn.conversation.state.get("queued") or [])
    if len(queued) < MAX_QUEUED:
        queued.append({"text": text[:MAX_ANSWER], "entities": [dict(e) for e in entities]})
        turn.update_state(queued=queued)
    turn.say("second_request_noted", text=_quoted(text))
    repeat_question(turn, continuing=False)


def withdraw(turn: Turn) -> None:
    """The person does not need it any more ("hat sich erledigt", "never mind, it works again")."""
    withdraw_with(turn, "withdrawn")


def withdraw_with(turn: Turn, text_key: str) -> None:
    """End the request without a ticket, say so; a request announced meanwhile still comes."""
    queued = list(turn.conversation.state.get("queued") or [])
    turn.end_flow()
    turn.say(text_key)
    _next_queued(turn, queued)


def repeat_question(turn: Turn, continuing: bool = True) -> None:
    """Ask the open question (or show the summary) again, after a digression: "Weiter mit deiner
    Anfrage: ..."."""
    state = turn.conversation.state
    request_type = REQUEST_TYPES[state["category"]]
    prefix = turn.text("continue_request") + "\n" if continuing else ""
    if state.get("step") == "confirm":
        _show_summary(turn, request_type, prefix)
        return
    if state.get("step") == "change":
        turn.say_text(prefix + turn.text("change_which"), _field_buttons(turn, request_type))
        return
    question = request_type.question(state["asking"])
    turn.say_text(
        prefix + turn.text(question_key(request_type.category, question)), buttons_for(turn, question)
    )


# ---- asking -----------------------------------------------------------------------------------------
def _on_answer(
    turn: Turn, request_type: RequestType, text: str, entities: Sequence[Mapping[str, Any]]
) -> None:
    question = request_type.question(turn.conversation.state["asking"])
    answers = turn.conversation.state["answers"]
    if not turn.inbound.is_button and _CORRECTION.search(text):
        # "ach nein, seit gestern schon" while asked who is affected: the earlier answer changes.
        changes = _found(turn, request_type, text, entities, names=set(answers), correcting=True)
        if changes:
            _apply(turn, request_type, changes)
            repeat_question(turn, continuing=False)
            return
    answer = _button_answer(question, text) if turn.inbound.is_button else None
    if answer is None and (vague := _vague_confirmed(turn, question, text)) is not None:
        answer = Answer(vague)  # "ja" to "Für welches Gerät?" after "SPSS auf meinem Rechner"
    if answer is None and (proposed := _proposed(turn, question, text)) is not None:
        # "ja" to "Meinst du »Ich bin eingeschränkt«?": the proposal is the answer.
        answer = Answer(proposed)
    answer = answer or understand(turn, question, text, entities)
    if answer.value is not None and question.fits and not question.fits(FirstMessage(text, tuple(entities))):
        # "so können wir nicht arbeiten" to "since when?": taken for what it answers, if anything.
        ahead = _found(turn, request_type, text, entities, names=_open_names(request_type, answers))
        ahead.pop(question.name, None)
        if ahead:
            _store(turn, ahead)
            _next(turn)
            return
        answer = Answer(problem="answer_off_topic")  # "hi again, sorry" to "since when?"
    if answer.value is None:
        ahead = _found(turn, request_type, text, entities, names=_open_names(request_type, answers))
        if ahead:
            # Not this answer, but others: "seit gestern" when asked who is affected.
            ahead.pop(question.name, None)
            _store(turn, ahead)
            _next(turn)
            return
        guess = None if turn.inbound.is_button else guess_level(turn, question, text, entities)
        if guess is not None and not turn.conversation.state.get("misses"):
            # Half understood ("bei mir jedenfalls, ob andere das haben weiß ich nicht"): proposed back,
            # as a colleague would, instead of the same question again.
            turn.update_state(proposed={"name": question.name, "level": guess})
            label = turn.text(f"{level_labels(question)}_{guess}")
            _missed(turn, turn.text("reask_proposed", label=label), buttons_for(turn, question))
            return
        if question.optional and turn.conversation.state.get("misses"):
            # Asked twice, answered with something else twice: a field that may stay open is left open.
            turn.update_state(unknown=[*turn.conversation.state.get("unknown", []), question.name], misses=0)
            _next(turn)
            return
        _missed(
            turn,
            _reask(turn, request_type, question, answer.problem or "answer_choose"),
            buttons_for(turn, question),
        )
        return
    fills = {question.name: answer.value}
    if not turn.inbound.is_button:
        # The same message may answer questions still to come: "nur ich, kann gar nicht arbeiten".
        rest = _open_names(request_type, answers) - {question.name}
        fills.update(_found(turn, request_type, text, entities, names=rest))
        own = (
            question.prefill(FirstMessage(text, tuple(entities), turn.language)) if question.prefill else None
        )
        # "since this morning, and my colleague has it too": this question gets its own part of it.
        fills[question.name] = own if len(fills) > 1 and own and question.kind == "text" else answer.value
    _store(turn, fills)
    _next(turn)


def _proposed(turn: Turn, question: Question, text: str) -> str | None:
    """The level proposed back at this question, when the person now says yes to it."""
    proposed = turn.conversation.state.get("proposed") or {}
    if proposed.get("name") != question.name or not is_plain_yes(turn, text):
        return None
    return str(proposed["level"])


def _vague_confirmed(turn: Turn, question: Question, text: str) -> str | None:
    if turn.inbound.is_button or question.vague is None or not is_plain_yes(turn, text):
        return None
    first = str(turn.conversation.state.get("first") or "")
    return question.vague(FirstMessage(first, (), turn.language))


def _button_answer(question: Question, value: str) -> Answer | None:
    if question.kind in ("impact", "urgency") and value in ("low", "medium", "high"):
        return Answer(value)
    return None


def _known_part(
    turn: Turn, request_type: RequestType, text: str, entities: Sequence[Mapping[str, Any]]
) -> str | None:
    """What a "don't know" still says about the question asked: the time or the device it names, or
    the level ("just me as far as I know")."""
    question = request_type.question(turn.conversation.state["asking"])
    if question.kind in (*LEVEL_KINDS, "number"):
        return understand(turn, question, text, entities).value
    if question.kind != "text" or question.prefill in (None, prefills.description):
        return None
    return question.prefill(FirstMessage(text, tuple(entities), turn.language))  # type: ignore[misc]


def _dont_know(turn: Turn, request_type: RequestType) -> bool:
    """ "weiß nicht" to a question that may stay open: noted, on to the next one. Where the field is
    needed, it counts as not understood (it is never taken as the answer itself)."""
    question = request_type.question(turn.conversation.state["asking"])
    if not question.optional and question.kind in LEVEL_KINDS:
        return (
            False  # "me for sure, no clue about the others": read as an answer, proposed back if half clear
        )
    if not question.optional:
        _missed(turn, _reask(turn, request_type, question, "needs_words"), buttons_for(turn, question))
        return True
    unknown = [*turn.conversation.state.get("unknown", []), question.name]
    turn.update_state(unknown=unknown, misses=0)
    turn.say("noted_unknown")
    _next(turn)
    return True


def _clarify(turn: Turn, request_type: RequestType) -> None:
    state = turn.conversation.state
    if state.get("step") in ("confirm", "change"):
        turn.say("clarify_summary")
    else:
        turn.say(f"clarify_{request_type.category}_{state['asking']}")
    repeat_question(turn, continuing=False)


def _missed(turn: Turn, reask: str, buttons: tuple[Button, ...]) -> None:
    """Not understood: asked back once in other words (``reask``), then only the buttons and a person are
    offered; a third miss at the same step hands the conversation to a colleague. Never a loop."""
    misses = int(turn.conversation.state.get("misses") or 0)
    turn.update_state(misses=misses + 1)
    if misses >= HANDOFF_AFTER:
        turn.say("handoff_after_misses")
        handoff.hand_over(turn)
        return
    if misses >= BUTTONS_ONLY_AFTER:
        human = turn.button("btn_human", handoff.HUMAN_BUTTON)
        turn.say_text(turn.text("buttons_only" if buttons else "needs_words"), (*buttons, human))
        return
    turn.say_text(reask, buttons)


def _reask(turn: Turn, request_type: RequestType, question: Question, problem: str) -> str:
    """The question in other words with examples; for a free-text question, what was wrong and what is
    meant."""
    key = reask_key(question)
    if key is not None:
        return turn.text(key, max=MAX_PARTICIPANTS)
    hint = turn.text(problem, max=MAX_PARTICIPANTS)
    return f"{hint}\n{turn.text(f'clarify_{request_type.category}_{question.name}')}"


def _next(turn: Turn) -> None:
    """Ask the first question still unanswered, or show the summary."""
    state = turn.conversation.state
    request_type = REQUEST_TYPES[state["category"]]
    unknown = set(state.get("unknown") or ())
    for question in request_type.questions:
        if question.ask and question.name not in state["answers"] and question.name not in unknown:
            if state.get("asking") != question.name:
                turn.update_state(misses=0)
            turn.update_state(asking=question.name, step="ask")
            turn.say(question_key(request_type.category, question), buttons_for(turn, question))
            return
    _show_summary(turn, request_type)


def _store(turn: Turn, fills: Mapping[str, str]) -> None:
    answers = {**turn.conversation.state["answers"], **fills}
    unknown = [name for name in turn.conversation.state.get("unknown", []) if name not in fills]
    turn.update_state(answers=answers, unknown=unknown, asking=None, step=None, misses=0, proposed=None)


def _open_names(request_type: RequestType, answers: Mapping[str, str]) -> set[str]:
    return {q.name for q in request_type.questions if q.name not in answers}


# ---- what a message says beyond the question asked ----------------------------------------------------
def _found(
    turn: Turn,
    request_type: RequestType,
    text: str,
    entities: Sequence[Mapping[str, Any]],
    names: set[str],
    correcting: bool = False,
) -> dict[str, str]:
    """The fields among ``names`` that ``text`` gives, read conservatively: a time after "seit", who is
    affected and how badly in clear words, a head count, a date ahead, a catalogue item, a device, or a
    field named with its value ("Gerät: NB-2041"). Text fields (the problem, the topic) are only taken
    when named: anything else is too easily a misreading."""
    message = FirstMessage(text, tuple(entities), turn.language)
    if correcting:
        # "Monday doesn't work, make it Wednesday morning": the new date comes last.
        dates = [e for e in entities if e.get("entity") == "datetime"]
        others = [e for e in entities if e.get("entity") != "datetime"]
        message = FirstMessage(text, (*others, *reversed(dates)), turn.language)
    found: dict[str, str] = (
        {k: v for k, v in _replaced(turn, request_type, text).items() if k in names} if correcting else {}
    )
    for question in request_type.questions:
        if question.name not in names or question.name in found:
            continue
        value = _named_value(turn, question, text)
        if value is None and question.kind in LEVEL_KINDS:
            value = _level_ahead(turn, question, text, entities, correcting)
        elif value is None and question.prefill is not None and question.prefill is not prefills.description:
            value = question.prefill(message)
        if value:
            found[question.name] = value
    return found


def _level_ahead(
    turn: Turn,
    question: Question,
    text: str,
    entities: Sequence[Mapping[str, Any]],
    correcting: bool,
) -> str | None:
    message = FirstMessage(text, tuple(entities), turn.language)
    if question.prefill is not None and (value := question.prefill(message)):
        return value
    if not question.ask:
        return None
    long = len(text.split()) > AHEAD_MAX_WORDS
    level = read_level(turn, question, text, entities, AHEAD_CONFIDENCE, asked=False, cues_only=long)
    if level is None and long:
        # A long message is read clause by clause: "the finance team, around 8 ppl. we can do it by hand
        # but it takes ages" says how badly in its last clause.
        for clause in _CLAUSE_END.split(text):
            if MIN_CLAUSE_WORDS <= len(clause.split()) <= AHEAD_MAX_WORDS:
                level = read_level(turn, question, clause, (), AHEAD_CONFIDENCE, asked=False)
                if level:
                    break
    if level and (correcting or not _is_count_only(question, text, entities)):
        return level
    return None


def _is_count_only(question: Question, text: str, entities: Sequence[Mapping[str, Any]]) -> bool:
    # "für 8 Leute" in a training request counts participants; it says nothing about who is affected.
    return question.kind == "impact" and read_count(text, entities) is not None


# "I meant Illustrator, not Photoshop", "nicht Visio sondern Project", "Excel statt Word".
_REPLACED = (
    re.compile(
        r"\b(?:i\s+meant|i\s+mean|ich\s+meinte|ich\s+meine|gemeint\s+war|meant)\s+(?P<new>[^,.;!?]+?)"
        r"(?:\s*,?\s+(?:not|nicht|statt|instead\s+of)\s+(?P<old>[^,.;!?]+))?\s*[.!]?$",
        re.IGNORECASE,
    ),
    re.compile(r"\bnicht\s+(?P<old>[^,.;!?]+?)\s*,?\s+sondern\s+(?P<new>[^,.;!?]+)", re.IGNORECASE),
    re.compile(
        r"\b(?P<new>[^\s,.;!?]+)\s+(?:statt|anstatt|instead\s+of)\s+(?P<old>[^,.;!?]+)", re.IGNORECASE
    ),
)


def _replaced(turn: Turn, request_type: RequestType, text: str) -> dict[str, str]:
    """A text field whose value the message replaces: the field that holds the old words ("not
    Photoshop"), else the request's item or application when only the new one is named."""
    answers = turn.conversation.state["answers"]
    for pattern in _REPLACED:
        match = pattern.search(text)
        if not match:
            continue
        new, old = match.group("new").strip(), (match.group("old") or "").strip().lower()
        for question in request_type.questions:
            value = str(answers.get(question.name, ""))
            if question.kind == "text" and old and old in value.lower():
                return {question.name: new[:MAX_ANSWER]}
        if not old:
            for name in ("item", "application"):
                if name in answers:
                    return {name: new[:MAX_ANSWER]}
    return {}


def _named_value(turn: Turn, question: Question, text: str) -> str | None:
    """ "die Dringlichkeit ist doch hoch", "Gerät: NB-2041", "the device is NB-2041"."""
    labels = {turn.translate(language, f"f_{question.name}").lower() for language in ("de", "en")}
    labels |= {question.name.replace("_", " ")}
    if question.kind == "urgency":
        labels |= {"dringlichkeit", "urgency", "priorität", "priority", "prio"}
    for label in labels:
        pattern = re.compile(_NAMED.format(label=re.escape(label)), re.IGNORECASE)
        match = pattern.search(text)
        if not match:
            continue
        value = _FILLERS.sub("", match.group("value").strip(" .!?")).strip()
        if question.kind in ("impact", "urgency"):
            lowered = value.lower()
            for level, words in _LEVEL_WORDS.items():
                if any(lowered.startswith(word) for word in words):
                    return level
            return None
        if question.kind == "number":
            count = read_count(value)
            return str(count) if count and 1 <= count <= MAX_PARTICIPANTS else None
        return value[:MAX_ANSWER] or None
    return None


def _apply(turn: Turn, request_type: RequestType, changes: Mapping[str, str]) -> None:
    """Corrections: stored, and said back in one line ("Geändert: Seit → seit gestern")."""
    answers = {**turn.conversation.state["answers"], **changes}
    unknown = [name for name in turn.conversation.state.get("unknown", []) if name not in changes]
    turn.update_state(answers=answers, unknown=unknown, misses=0)
    parts = [
        f"{turn.text(f'f_{name}')} → {_shown(turn, request_type.question(name), value)}"
        for name, value in changes.items()
    ]
    turn.say("corrected", changes=", ".join(parts))


# ---- the summary ------------------------------------------------------------------------------------
def _summary_buttons(turn: Turn) -> tuple[Button, ...]:
    return (
        turn.button("btn_confirm", CONFIRM),
        turn.button("btn_change", CHANGE),
        turn.button("btn_cancel", CANCEL),
    )


def _show_summary(turn: Turn, request_type: RequestType, prefix: str = "") -> None:
    turn.update_state(step="confirm", asking=None)
    state = turn.conversation.state
    answers, unknown = state["answers"], set(state.get("unknown") or ())
    lines = [
        f"• {turn.text(f'f_{q.name}')}: "
        + (_shown(turn, q, answers[q.name]) if q.name in answers else turn.text("value_unknown"))
        for q in request_type.questions
        if q.name in answers or q.name in unknown
    ]
    impact, urgency = _levels(request_type, answers)
    text = turn.text(
        "summary",
        category=turn.text(f"cat_{request_type.category}"),
        priority=turn.config.priority(impact, urgency),
        fields="\n".join(lines),
    )
    turn.say_text(prefix + text, _summary_buttons(turn))


def _on_confirm(
    turn: Turn, request_type: RequestType, text: str, entities: Sequence[Mapping[str, Any]]
) -> None:
    choice = _summary_choice(turn, text)
    if (
        choice in (CANCEL, CHANGE)
        and _CORRECTION.search(text)
        and _corrected(turn, request_type, text, entities)
    ):
        return  # "ach, Montag geht doch nicht, lieber Mittwoch": a correction, not a cancellation
    if choice == CONFIRM:
        _open_ticket(turn, request_type)
        return
    if choice == CANCEL:
        withdraw_with(turn, "flow_cancelled")
        return
    if choice == CHANGE:
        turn.update_state(step="change", misses=0)
        turn.say("change_which", _field_buttons(turn, request_type))
        return
    if _corrected(turn, request_type, text, entities):
        return
    if not turn.inbound.is_button and _CORRECTION.search(text) is None and _is_clear_yes(turn, text):
        # "That's correct, thank you very much.": a yes that changes nothing confirms the summary.
        _open_ticket(turn, request_type)
        return
    _missed(turn, turn.text("reask_summary"), _summary_buttons(turn))


def _is_clear_yes(turn: Turn, text: str) -> bool:
    reading = turn.nlu.read_answer("yesno", text)
    return reading.label == "yes" and reading.confidence >= CLEAR_YES_CONFIDENCE


def _corrected(
    turn: Turn, request_type: RequestType, text: str, entities: Sequence[Mapping[str, Any]]
) -> bool:
    """ "die Dringlichkeit ist doch hoch" at the summary: the fields it changes are changed and the
    summary is shown again. False when it changes nothing."""
    answers = turn.conversation.state["answers"]
    changes = {
        name: value
        for name, value in _found(
            turn,
            request_type,
            text,
            entities,
            names={q.name for q in request_type.questions},
            correcting=True,
        ).items()
        if answers.get(name) != value
    }
    if not changes:
        return False
    _apply(turn, request_type, changes)
    _show_summary(turn, request_type)
    return True


def _summary_choice(turn: Turn, text: str) -> str | None:
    if turn.inbound.is_button:
        return text if text in (CONFIRM, CHANGE, CANCEL) else None
    bare = text.strip().lower().strip(" .!")
    for choice, key in ((CONFIRM, "btn_confirm"), (CHANGE, "btn_change"), (CANCEL, "btn_cancel")):
        if bare in (choice, *(turn.translate(language, key).lower() for language in ("de", "en"))):
            return choice
    if bare in ("1", "2", "3"):
        return (CONFIRM, CHANGE, CANCEL)[int(bare) - 1]
    reading = turn.nlu.read_answer("summary", text)
    if reading.label != NONE and reading.confidence >= SUMMARY_CONFIDENCE:
        return reading.label
    return None


def _field_buttons(turn: Turn, request_type: RequestType) -> tuple[Button, ...]:
    return tuple(Button(turn.text(f"f_{q.name}"), q.name) for q in request_type.questions)


def _on_change(
    turn: Turn, request_type: RequestType, text: str, entities: Sequence[Mapping[str, Any]]
) -> None:
    choice = text.strip().lower().strip(" .!?")
    labels = {
        name: q.name
        for q in request_type.questions
        for name in (q.name, *(turn.translate(lang, f"f_{q.name}").lower() for lang in ("de", "en")))
    }
    if choice.isdigit() and 1 <= int(choice) <= len(request_type.questions):
        field_name: str | None = request_type.questions[int(choice) - 1].name
    else:
        field_name = labels.get(choice) or next(
            (name for label, name in labels.items() if re.search(rf"\b{re.escape(label)}\b", choice)), None
        )
    named = field_name is not None and _named_value(turn, request_type.question(field_name), text)
    if (field_name is None or (named and not turn.inbound.is_button)) and _corrected(
        turn, request_type, text, entities
    ):
        return  # "Seit: gestern" at "what would you like to change?": changed at once
    if field_name is None:
        _missed(turn, turn.text("reask_change"), _field_buttons(turn, request_type))
        return
    question = request_type.question(field_name)
    answers = {k: v for k, v in turn.conversation.state["answers"].items() if k != field_name}
    # The field is asked again; whatever else is known stays (the summary follows the answer).
    turn.update_state(step="ask", asking=field_name, answers=answers, misses=0)
    turn.say(question_key(request_type.category, question), buttons_for(turn, question))


# ---- opening ----------------------------------------------------------------------------------------
def _open_ticket(turn: Turn, request_type: RequestType) -> None:
    state = turn.conversation.state
    answers: dict[str, Any] = state["answers"]
    queued = list(state.get("queued") or [])
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
    _next_queued(turn, queued)


def _next_queued(turn: Turn, queued: list[Mapping[str, Any]]) -> None:
    """The next request the person announced meanwhile, now that the one before is done."""
    if not queued:
        return
    from bot.flows import router  # the router starts requests: imported here, it imports this module

    first, rest = queued[0], queued[1:]
    turn.after_notices()  # after "Deine Anfrage SD-1 ist angelegt", not before it
    turn.say("second_request_start", text=_quoted(str(first["text"])))
    router.route_queued(turn, str(first["text"]), list(first.get("entities") or []), rest)


def _levels(request_type: RequestType, answers: Mapping[str, Any]) -> tuple[str, str]:
    return answers.get("impact", request_type.default_impact), answers.get(
        "urgency", request_type.default_urgency
    )


def _shown(turn: Turn, question: Question, value: str) -> str:
    return turn.text(f"{level_labels(question)}_{value}") if question.kind in ("impact", "urgency") else value


def _quoted(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = [
    "FLOW",
    "allowed",
    "handle",
    "queue_request",
    "repeat_question",
    "start",
    "withdraw",
    "withdraw_with",
]
