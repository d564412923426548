"""Each person is answered in their language; a full sentence in the other language switches it, short
answers ("1", "ja", "ok"), ticket keys and gibberish do not; /lang switches explicitly."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Person
from tests.support import DeskBot, text_to


def _language(bot: DeskBot, who: str) -> str | None:
    with bot.session() as session:
        return session.scalar(select(Person.language).where(Person.handle == who))


def test_alice_is_answered_in_german_and_bob_in_english(bot: DeskBot) -> None:
    assert text_to(bot.say("alice", "meine Tickets"), "alice") == "Du hast keine offenen Tickets."
    assert text_to(bot.say("bob", "my tickets"), "bob") == "You have no open tickets."


def test_bob_writing_german_is_answered_in_german_from_then_on(bot: DeskBot) -> None:
    sent = bot.say("bob", "Ich brauche eine Schulung")
    assert text_to(sent, "bob") == "Zu welchem Thema soll die Schulung sein?"
    # Short answers keep German; so does a later message of a few words.
    assert text_to(bot.say("bob", "Excel"), "bob") == "Für wie viele Personen?"
    assert text_to(bot.say("bob", "3"), "bob").startswith("Wann soll sie stattfinden")
    bot.say("bob", "im März")
    sent = bot.press("bob", "Absenden")
    assert "Deine Anfrage SD-1 (Schulung, Priorität P4)" in text_to(sent, "bob")
    assert bot.ticket(1).language == "de"
    assert text_to(bot.say("bob", "danke"), "bob") == "Gern geschehen!"
    assert _language(bot, "bob") == "de"


def test_switching_back_with_an_english_sentence(bot: DeskBot) -> None:
    bot.say("bob", "Ich brauche eine Schulung")
    bot.say("bob", "abbrechen")
    assert text_to(bot.say("bob", "Where can I find the manual for Jira?"), "bob").startswith(
        "Please check your request"
    )


def test_lang_command_switches_alice_to_english(bot: DeskBot) -> None:
    sent = bot.say("alice", "/lang en")
    assert text_to(sent, "alice") == "All right, I will answer in English from now on."
    assert text_to(bot.say("alice", "hallo"), "alice").startswith("Hello Alice Wagner!")
    assert text_to(bot.say("alice", "ja"), "alice") == "What do you need?"
    assert _language(bot, "alice") == "en"

    sent = bot.say("alice", "/lang de")
    assert text_to(sent, "alice") == "Alles klar, ich antworte ab jetzt auf Deutsch."


def test_lang_command_with_an_unknown_language(bot: DeskBot) -> None:
    sent = bot.say("alice", "/lang fr")
    assert text_to(sent, "alice") == "So geht es: /lang de|en"
    assert _language(bot, "alice") == "de"


def test_short_answers_do_not_switch_language(bot: DeskBot) -> None:
    bot.say("alice", "/lang en")
    sent = bot.say("alice", "The VPN is broken")
    assert text_to(sent, "alice") == "Since when has this been happening?"
    # A bare "ja" / "ok" says nothing about since when: asked back, in English.
    for short, answer in (
        ("ja", "I need a few words"),
        ("1", "Who is affected?"),
        ("gestern", "Who is affected?"),
    ):
        bot.say("alice", "cancel")
        bot.say("alice", "The VPN is broken")
        sent = bot.say("alice", short)
        assert text_to(sent, "alice").startswith(answer), short
        assert _language(bot, "alice") == "en"


def test_german_yes_does_not_switch_bob(bot: DeskBot) -> None:
    bot.say("bob", "We need an Excel training for 8 people")
    bot.say("bob", "next month")
    sent = bot.say("bob", "ja")
    assert "Your request SD-1 (Training, priority P4)" in text_to(sent, "bob")
    assert _language(bot, "bob") == "en"


def test_a_ticket_key_with_one_word_does_not_switch_language(bot: DeskBot) -> None:
    sent = bot.say("bob", "sd 2 status?")
    assert text_to(sent, "bob") == "I cannot find a ticket SD-2."
    assert _language(bot, "bob") == "en"


def test_gibberish_does_not_switch_language(bot: DeskBot) -> None:
    sent = bot.say("bob", "asdkjh qwe zzz")
    assert text_to(sent, "bob").startswith("Sorry, I did not understand that.")
    assert _language(bot, "bob") == "en"
    assert text_to(bot.say("bob", "thanks"), "bob") == "You're welcome!"


def test_buttons_do_not_switch_language(bot: DeskBot) -> None:
    bot.say("bob", "The VPN is broken since this morning")
    # A button's value is no sentence of the presser's, whatever it looks like.
    sent = bot.say("bob", "Mein Team / mehrere Personen", button=True)
    assert text_to(sent, "bob") == "How badly does it block your work?"
    assert _language(bot, "bob") == "en"


def test_notifications_follow_the_requesters_language(bot: DeskBot) -> None:
    bot.say("bob", "Where can I find the manual for Jira?")
    bot.press("bob", "Submit")
    sent = bot.say("anna", "/claim SD-1")
    assert text_to(sent, "anna") == "Du bearbeitest jetzt SD-1."
    assert "Anna Schmidt (Service Desk, München, Haus A, Raum 1.12) is now handling your request SD-1" in (
        text_to(sent, "bob")
    )
    assert text_to(sent, "#service-desk") == "SD-1 übernimmt Anna Schmidt."
