"""The scenario of the foundation issue, as a transcript: alice (German) reports an incident, anna
works it; every step reaches alice without her asking."""

from tests.support import DeskBot, labels_to, text_to


def test_incident_from_report_to_resolution_in_german(any_db_bot: DeskBot) -> None:
    bot = any_db_bot
    sent = bot.say("alice", "Mein Outlook stürzt seit heute Morgen bei jedem Start ab")
    assert "Wer ist betroffen?" in text_to(sent, "alice")

    bot.press("alice", "Nur ich")
    sent = bot.press("alice", "Ich kann gar nicht arbeiten")
    summary = text_to(sent, "alice")
    assert "Störung" in summary and "seit heute Morgen" in summary

    sent = bot.press("alice", "Absenden")
    assert "SD-1" in text_to(sent, "alice") and "Service Desk" in text_to(sent, "alice")
    assert "Übernehmen" in labels_to(sent, "#service-desk")

    sent = bot.say("anna", "/claim SD-1")
    told = text_to(sent, "alice")
    assert "Anna Schmidt" in told and "Service Desk" in told and "Raum 1.12" in told

    sent = bot.say("anna", "/status SD-1 in_progress")
    assert "in Bearbeitung" in text_to(sent, "alice")

    sent = bot.say("anna", "/resolve SD-1 Profil neu angelegt")
    assert "Profil neu angelegt" in text_to(sent, "alice")
    assert set(labels_to(sent, "alice")) == {
        "Ja, gelöst",
        "Nein, wieder öffnen",
    }

    ticket = bot.ticket(1)
    assert (ticket.status, ticket.assignee.handle, ticket.team.slug) == ("resolved", "anna", "service-desk")
    assert [e.kind for e in ticket.events] == ["opened", "claimed", "status", "status", "reply", "status"]
