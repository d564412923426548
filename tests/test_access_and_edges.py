"""Findings of the code review, each as the behaviour a user or operator would notice."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.config.schema import DeskConfig
from bot.config.sync import apply_config
from bot.messages import Inbound
from storage.models import ChannelAccount, Person
from tests.support import DeskBot, text_to, texts_to
from tests.test_commands_support import BOB_INSTALLATION, open_ticket


def test_internal_notes_are_only_for_those_who_work_the_ticket(bot: DeskBot) -> None:
    # anna (a service-desk agent) orders a docking station for herself: a workplace ticket.
    number = open_ticket(bot, "anna", ("Ich brauche eine Dockingstation für meinen Laptop", "Absenden"))
    bot.say("ben", f"/claim SD-{number}")
    bot.say("ben", f"/note SD-{number} Hat schon drei Docks verloren")

    assert "Hat schon drei Docks verloren" in text_to(bot.say("ben", f"/show SD-{number}"), "ben")
    assert "Hat schon drei Docks verloren" in text_to(bot.say("lena", f"/show SD-{number}"), "lena")
    # Neither the requester (even an agent) nor staff of another team read the note.
    assert "Docks verloren" not in text_to(bot.say("anna", f"/show SD-{number}"), "anna")
    assert "Docks verloren" not in text_to(bot.say("carla", f"/show SD-{number}"), "carla")


def test_a_bare_ticket_number_asks_about_that_ticket(bot: DeskBot) -> None:
    number = open_ticket(bot, "bob")
    for form in (f"{number}", f"#{number}", f"SD-{number}"):
        sent = bot.say("bob", form)
        assert texts_to(sent, "bob") == [f"SD-{number}, Incident, new, not assigned yet"], form


def test_sd_and_the_number_may_be_apart_by_any_space(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/claim SD-1")
    assert (
        text_to(bot.say("anna", "/status sd  1"), "anna")
        == "SD-1, Störung, zugewiesen, Anna Schmidt kümmert sich darum"
    )
    sent = bot.say("anna", "/reply sd 1\nWhich laptop is it?")
    assert "Which laptop is it?" in text_to(sent, "bob")


def test_back_to_work_from_resolved_is_a_reopen_and_nobody_is_told_their_own_action(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/claim SD-1")
    bot.say("anna", "/resolve SD-1 Reinstalled the VPN client")
    assert bot.ticket(1).resolved_at is not None
    sent = bot.say("anna", "/status SD-1 in_progress")
    ticket = bot.ticket(1)
    assert (ticket.status, ticket.resolved_at) == ("in_progress", None)
    assert texts_to(sent, "anna") == ["SD-1 ist jetzt: in Bearbeitung."]
    assert "open again" in text_to(sent, "bob")


def test_refusals_name_the_action_in_the_readers_language(bot: DeskBot) -> None:
    open_ticket(bot, "alice")
    bot.say("alice", "/cancel SD-1")
    sent = bot.say("alice", "/reply SD-1 noch da?")
    assert texts_to(sent, "alice") == ["SD-1 ist storniert; das geht von dort aus nicht (Antwort)."]
    sent = bot.say("alice", "/reopen SD-1")
    assert texts_to(sent, "alice") == ["SD-1 ist storniert; das geht von dort aus nicht (in Bearbeitung)."]


def test_a_finished_ticket_says_who_handled_it(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/claim SD-1")
    bot.say("anna", "/resolve SD-1 Fixed")
    bot.say("bob", "/confirm SD-1")
    assert texts_to(bot.say("bob", "/status SD-1"), "bob") == [
        "SD-1, Incident, closed, handled by Anna Schmidt"
    ]


def test_a_lead_taking_a_ticket_back_to_the_queue_tells_its_handler(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/claim SD-1")
    sent = bot.say("lena", "/unclaim SD-1")
    assert texts_to(sent, "anna") == ["SD-1 ist wieder frei."]


def test_long_queues_are_cut_with_a_count_of_the_rest(bot: DeskBot) -> None:
    for _ in range(27):
        open_ticket(bot, "bob")
    answer = text_to(bot.say("anna", "/queue"), "anna")
    assert answer.count("\n• ") == 25
    assert answer.endswith("… und 2 weitere")


def test_a_platform_stranger_gets_a_handle_of_their_own_namespace(
    bot: DeskBot, demo_config: DeskConfig
) -> None:
    bot.app.handle(
        Inbound(
            channel="console",
            chat_id="group-1",
            user_id="U-DAVE",
            text="hello",
            user_name="Dave",
            is_direct=False,
        )
    )
    bot.app.handle(Inbound(channel="slack", chat_id="D1", user_id="U-ZED", text="hello", user_name="Zed"))
    with bot.session() as session:
        dave = session.scalars(select(Person).where(Person.display_name == "Dave")).one()
        zed = session.scalars(select(Person).where(Person.display_name == "Zed")).one()
        assert (dave.handle, zed.handle) == ("dave", "slack-zed")
        # Dave wrote in a group first: personal messages never go to that group.
        account = session.scalars(select(ChannelAccount).where(ChannelAccount.person_id == dave.id)).one()
        assert account.direct_address is None


def test_a_persons_own_language_survives_a_restart(bot: DeskBot, demo_config: DeskConfig) -> None:
    bot.say("alice", "/lang en")
    with bot.session() as session, session.begin():
        apply_config(session, demo_config, datetime(2026, 1, 6, tzinfo=UTC))
    assert texts_to(bot.say("alice", "/tickets"), "alice") == ["You have no open tickets."]


def test_a_demoted_handler_no_longer_gets_the_requesters_replies(
    bot: DeskBot, demo_config: DeskConfig
) -> None:
    open_ticket(bot, "bob", BOB_INSTALLATION)
    bot.say("ben", "/claim SD-1")
    people = [
        p if p.id != "ben" else p.model_copy(update={"roles": ["requester"], "teams": []})
        for p in demo_config.people
    ]
    with bot.session() as session, session.begin():
        apply_config(
            session, demo_config.model_copy(update={"people": people}), datetime(2026, 1, 6, tzinfo=UTC)
        )
    sent = bot.say("bob", "/reply SD-1 My phone number is 1234")
    assert text_to(sent, "ben") == ""
    assert "My phone number is 1234" in text_to(sent, "#workplace")


def test_an_agent_reads_the_conversation_a_hand_off_carries(bot: DeskBot) -> None:
    bot.say("bob", "My screen flickers when the docking station is connected")
    bot.say("bob", "connect me to a human")
    [ticket] = bot.tickets()
    shown = text_to(bot.say("anna", f"/show {ticket.key}"), "anna")
    assert "My screen flickers when the docking station is connected" in shown
