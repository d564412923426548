"""What the bot does with a free-text message: ask which request type when the NLU is unsure, admit not
understanding (with the menu and a way to a person), hand over to a human, greet, help, thank, say bye."""

from __future__ import annotations

import pytest

from bot.messages import Outgoing
from nlu.decision import interpret
from tests.support import DeskBot, text_to

# Messages that mix a how-to question with a fault. Which of them the trained model finds ambiguous
# may shift a little as the training data grows; the test takes the first that is, and needs one.
MIXED = {
    "de": [
        "Wie kann ich in Outlook eine Regel anlegen, die geht nämlich seit gestern nicht mehr",
        "Fehlermeldung in SAP, wie geht das",
        "Wie richte ich das VPN ein, es kommt immer eine Fehlermeldung",
        "Wie funktioniert Excel, es stürzt dauernd ab",
    ],
    "en": [
        "How do I set up the VPN, it shows an error",
        "How do I fix Outlook, it keeps crashing",
        "How do I use Teams, it keeps failing",
        "How does the VPN work, it is broken",
    ],
}
# Request types whose first question is pre-filled with the whole message.
DESCRIBED = {"incident", "user_support", "documentation"}
MENU_DE = ["Störung", "Installation / Bestellung", "Frage zur Bedienung", "Dokumentation", "Schulung"]
MENU_EN = ["Incident", "Installation / order", "How-to question", "Documentation", "Training"]
MENU_VALUES = [
    "intent:incident",
    "intent:installation",
    "intent:user_support",
    "intent:documentation",
    "intent:training",
]


def _buttons(sent: list[Outgoing], address: str) -> list[tuple[str, str]]:
    return [(b.label, b.value) for m in sent if m.address == address for b in m.buttons]


def _ambiguous_text(bot: DeskBot, language: str) -> tuple[str, tuple[str, ...]]:
    nlu = bot.app.dispatcher.nlu
    for text in MIXED[language]:
        decision = interpret(nlu.parse(text), nlu.threshold, nlu.margin)
        choices = tuple(i for i in decision.intents if i in DESCRIBED)
        if decision.kind == "ambiguous" and len(choices) >= 2:
            return text, choices
    raise AssertionError(f"none of the mixed {language} messages is ambiguous to the model any more")


def _finish(bot: DeskBot, who: str, sent: list[Outgoing], summary_start: str) -> str:
    """Answer whatever is still asked (first option, or a short text) until the summary comes."""
    for _ in range(6):
        told = text_to(sent, who)
        if told.startswith(summary_start):
            return told
        buttons = _buttons(sent, who)
        # A short text that fits any free-text question ("since when?" wants a time).
        since = "Outlook, seit gestern" if summary_start.startswith("Bitte") else "Outlook, since yesterday"
        sent = bot.press(who, buttons[0][0]) if buttons else bot.say(who, since)
    raise AssertionError(f"no summary; last: {bot.last_texts()}")


@pytest.mark.parametrize(
    ("who", "language", "prompt", "summary"),
    [
        ("alice", "de", "Meinst du eines davon?", "Bitte prüfe deine Anfrage"),
        ("bob", "en", "Do you mean one of these?", "Please check your request"),
    ],
)
def test_unsure_nlu_offers_the_close_request_types(
    bot: DeskBot, who: str, language: str, prompt: str, summary: str
) -> None:
    text, choices = _ambiguous_text(bot, language)
    sent = bot.say(who, text)
    assert text_to(sent, who) == prompt
    offered = _buttons(sent, who)
    assert 2 <= len(offered) <= 3
    assert all(value.startswith("intent:") for _, value in offered)
    assert [value.removeprefix("intent:") for _, value in offered][:2] == list(choices[:2])
    assert bot.tickets() == []

    # Each choice starts that request, pre-filled from the message that was ambiguous.
    for number, (label, value) in enumerate(offered[:2], start=1):
        if number > 1:
            bot.say(who, "/cancel")
            bot.say(who, text)
        sent = bot.press(who, label)
        told = _finish(bot, who, sent, summary)
        assert text in told, f"{value}: the summary should carry the first message: {told!r}"
        submit = "Absenden" if language == "de" else "Submit"
        bot.press(who, submit)
        ticket = bot.tickets()[-1]
        assert (ticket.key, ticket.category) == (f"SD-{number}", value.removeprefix("intent:"))
        assert ticket.description == text
        assert ticket.language == language


def test_choosing_incident_after_ambiguity_does_not_ask_what_is_broken(bot: DeskBot) -> None:
    text, choices = _ambiguous_text(bot, "de")
    assert "incident" in choices
    bot.say("alice", text)
    sent = bot.press("alice", "Störung")
    told = text_to(sent, "alice")
    assert "Was genau funktioniert nicht?" not in told
    assert "Seit wann" in told or "Wer ist betroffen?" in told


@pytest.mark.parametrize(
    ("who", "text", "answer", "menu", "human"),
    [
        (
            "alice",
            "Was gibt es heute in der Kantine?",
            "Das habe ich leider nicht verstanden.",
            MENU_DE,
            "Mit einem Menschen sprechen",
        ),
        ("bob", "what's the weather", "Sorry, I did not understand that.", MENU_EN, "Talk to a person"),
        ("bob", "asdkjh qwe zzz", "Sorry, I did not understand that.", MENU_EN, "Talk to a person"),
        (
            "alice",
            "qwertz asdfg yxcvb",
            "Das habe ich leider nicht verstanden.",
            MENU_DE,
            "Mit einem Menschen",
        ),
    ],
)
def test_out_of_scope_and_gibberish_get_the_menu(
    bot: DeskBot, who: str, text: str, answer: str, menu: list[str], human: str
) -> None:
    sent = bot.say(who, text)
    assert text_to(sent, who).startswith(answer)
    buttons = _buttons(sent, who)
    assert [label for label, _ in buttons[:-1]] == menu
    assert [value for _, value in buttons[:-1]] == MENU_VALUES
    assert buttons[-1][0].startswith(human) and buttons[-1][1] == "human"
    assert bot.tickets() == []


def test_the_menu_offers_coaching_to_a_project_lead_only(bot: DeskBot) -> None:
    values = [v for _, v in _buttons(bot.say("paul", "Was gibt es heute in der Kantine?"), "paul")]
    assert "intent:coaching" in values
    values = [v for _, v in _buttons(bot.say("alice", "Was gibt es heute in der Kantine?"), "alice")]
    assert "intent:coaching" not in values


def test_a_menu_button_starts_that_request_from_scratch(bot: DeskBot) -> None:
    bot.say("alice", "Was gibt es heute in der Kantine?")
    sent = bot.press("alice", "Schulung")
    assert text_to(sent, "alice") == "Zu welchem Thema soll die Schulung sein?"


# ---- talk to a person ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "before", "ask", "intro", "title"),
    [
        (
            "alice",
            "Mein Rechner ist so langsam",
            "Ich möchte mit einem Menschen sprechen",
            "Ich gebe unser Gespräch an den Service Desk weiter.",
            "Gespräch an den Service Desk übergeben",
        ),
        (
            "bob",
            "what's the weather",
            "connect me to a human",
            "I am handing our conversation over to the service desk.",
            "Conversation handed over to the service desk",
        ),
    ],
)
def test_talk_to_agent_opens_a_ticket_with_the_conversation(
    bot: DeskBot, who: str, before: str, ask: str, intro: str, title: str
) -> None:
    first = bot.say(who, before)
    first_answer = text_to(first, who).splitlines()[0]
    sent = bot.say(who, ask)
    told = text_to(sent, who)
    assert intro in told and "SD-1" in told and "Service Desk" in told
    assert "SD-1" in text_to(sent, "#service-desk")

    [ticket] = bot.tickets()
    assert ticket.team.slug == "service-desk" and ticket.title == title
    assert ticket.requester.handle == who
    for said in (before, first_answer, ask):
        assert said in ticket.description


def test_talk_to_a_person_button_after_not_understood(bot: DeskBot) -> None:
    bot.say("alice", "Was gibt es heute in der Kantine?")
    sent = bot.press("alice", "Mit einem Menschen sprechen")
    assert "Ich gebe unser Gespräch an den Service Desk weiter." in text_to(sent, "alice")
    assert "SD-1" in text_to(sent, "alice")
    [ticket] = bot.tickets()
    assert ticket.team.slug == "service-desk"
    assert "Was gibt es heute in der Kantine?" in ticket.description
    assert "Das habe ich leider nicht verstanden." in ticket.description


def test_asking_for_a_human_in_the_middle_of_a_request_hands_it_over(bot: DeskBot) -> None:
    bot.say("bob", "The VPN is broken")
    sent = bot.say("bob", "connect me to a human")
    told = text_to(sent, "bob")
    assert "I am handing our conversation over to the service desk." in told
    assert "Who is affected?" not in told
    [ticket] = bot.tickets()
    assert ticket.team.slug == "service-desk"
    assert "The VPN is broken" in ticket.description
    assert "Since when has this been happening?" in ticket.description
    # The request under way is over: nothing more is asked, no second ticket.
    sent = bot.say("bob", "since this morning")
    assert "Who is affected?" not in text_to(sent, "bob")
    assert len(bot.tickets()) == 1


# ---- greet, help, thanks, goodbye -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "text", "expected", "menu"),
    [
        ("alice", "hallo", ["Hallo Alice Wagner!", "Ich kann für dich: eine Störung melden"], MENU_DE),
        ("bob", "hello", ["Hello Bob Miller!", "I can: report a fault"], MENU_EN),
        ("alice", "hilfe", ["Ich kann für dich: eine Störung melden", "»meine Tickets«"], MENU_DE),
        ("bob", "help", ["I can: report a fault", "'my tickets'"], MENU_EN),
    ],
)
def test_greet_and_help_show_what_the_bot_can_do(
    bot: DeskBot, who: str, text: str, expected: list[str], menu: list[str]
) -> None:
    sent = bot.say(who, text)
    told = text_to(sent, who)
    for part in expected:
        assert part in told
    labels = [label for label, _ in _buttons(sent, who)]
    assert labels[: len(menu)] == menu
    assert labels[-1] in ("Mit einem Menschen sprechen", "Talk to a person")


def test_help_command_lists_commands_and_agents_get_theirs(bot: DeskBot) -> None:
    told = text_to(bot.say("alice", "/help"), "alice")
    assert "Befehle: /tickets" in told and "/claim" not in told
    told = text_to(bot.say("anna", "/help"), "anna")
    assert "Für Agents: /claim T" in told


@pytest.mark.parametrize(
    ("who", "text", "answer"),
    [
        ("alice", "danke", "Gern geschehen!"),
        ("alice", "Vielen Dank!", "Gern geschehen!"),
        ("bob", "thanks", "You're welcome!"),
        ("bob", "thank you very much", "You're welcome!"),
        ("alice", "tschüss", "Tschüss, bis zum nächsten Mal!"),
        ("bob", "bye", "Goodbye, see you next time!"),
    ],
)
def test_thanks_and_goodbye(bot: DeskBot, who: str, text: str, answer: str) -> None:
    sent = bot.say(who, text)
    assert text_to(sent, who) == answer
    assert bot.tickets() == []
