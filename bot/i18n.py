"""Every text the bot says, in German and English. An admin may override any of them per language
in the desk configuration (`texts:`); placeholders in braces are filled in at the time of sending."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LANGUAGES = ("de", "en")

TEXTS: dict[str, dict[str, str]] = {
    # ---- conversation --------------------------------------------------------------------------
    "greeting": {
        "de": "Hallo {name}! Ich bin der Service-Desk-Bot.",
        "en": "Hello {name}! I am the service desk bot.",
    },
    "help": {
        "de": (
            "Ich kann für dich: eine Störung melden, Software oder Hardware bestellen, Fragen zur Bedienung "
            "klären, Dokumentation finden, eine Schulung anfragen und (für Projektleitungen) ein "
            "PMO-Coaching buchen. Schreib einfach, was du brauchst.\n"
            "Außerdem: »meine Tickets«, »Status SD-12«, /help für alle Befehle, »abbrechen« jederzeit."
        ),
        "en": (
            "I can: report a fault, order software or hardware, answer how-to questions, find "
            "documentation, request a training and (for project leads) book PMO coaching. Just write "
            "what you need.\n"
            "Also: 'my tickets', 'status SD-12', /help for all commands, 'cancel' at any time."
        ),
    },
    "menu_prompt": {"de": "Worum geht es?", "en": "What do you need?"},
    "goodbye": {"de": "Tschüss, bis zum nächsten Mal!", "en": "Goodbye, see you next time!"},
    "thanks_reply": {"de": "Gern geschehen!", "en": "You're welcome!"},
    "not_understood": {
        "de": "Das habe ich leider nicht verstanden. Wähle, worum es geht, oder sprich mit einem Menschen:",
        "en": "Sorry, I did not understand that. Choose what it is about, or talk to a person:",
    },
    "ambiguous": {"de": "Meinst du eines davon?", "en": "Do you mean one of these?"},
    "nlu_degraded": {
        "de": "Ich kann dich gerade nur eingeschränkt verstehen: mein Sprachdienst ist nicht erreichbar, "
        "ich nutze meine einfache Erkennung. Wenn ich etwas falsch verstehe, wähle bitte aus, worum es geht.",
        "en": "I can only partly understand you right now: my language service is unreachable, so I am "
        "using my basic recognition. If I get something wrong, please choose what it is about.",
    },
    "nothing_to_cancel": {
        "de": "Es läuft gerade nichts, das ich abbrechen könnte.",
        "en": "There is nothing to cancel right now.",
    },
    "flow_cancelled": {
        "de": "Abgebrochen. Es wurde kein Ticket angelegt.",
        "en": "Cancelled. No ticket was opened.",
    },
    "conversation_expired": {
        "de": "Unser letztes Gespräch lag über 30 Minuten zurück, daher fange ich neu an.",
        "en": "Our last conversation was idle for more than 30 minutes, so I am starting afresh.",
    },
    "message_empty": {
        "de": "Deine Nachricht war leer. Schreib, was du brauchst, oder »hilfe«.",
        "en": "Your message was empty. Write what you need, or 'help'.",
    },
    "message_too_long": {
        "de": "Deine Nachricht ist zu lang ({length} Zeichen, höchstens {limit}). Bitte kürze sie.",
        "en": "Your message is too long ({length} characters, at most {limit}). Please shorten it.",
    },
    "language_switched": {
        "de": "Alles klar, ich antworte ab jetzt auf Deutsch.",
        "en": "All right, I will answer in English from now on.",
    },
    "coaching_not_allowed": {
        "de": (
            "PMO-Coachings buchen Projektleiterinnen und Projektleiter. Wenn du eine Schulung für dich "
            "oder dein Team suchst, frag gern danach."
        ),
        "en": (
            "PMO coaching sessions are booked by project leads. If you are looking for a training for "
            "yourself or your team, just ask for one."
        ),
    },
    "btn_human": {"de": "Mit einem Menschen sprechen", "en": "Talk to a person"},
    "handoff_title": {
        "de": "Gespräch an den Service Desk übergeben",
        "en": "Conversation handed over to the service desk",
    },
    "handoff_intro": {
        "de": "Ich gebe unser Gespräch an den Service Desk weiter.",
        "en": "I am handing our conversation over to the service desk.",
    },
    # ---- request types -------------------------------------------------------------------------
    "cat_incident": {"de": "Störung", "en": "Incident"},
    "cat_installation": {"de": "Installation / Bestellung", "en": "Installation / order"},
    "cat_user_support": {"de": "Frage zur Bedienung", "en": "How-to question"},
    "cat_documentation": {"de": "Dokumentation", "en": "Documentation"},
    "cat_training": {"de": "Schulung", "en": "Training"},
    "cat_coaching": {"de": "PMO-Coaching", "en": "PMO coaching"},
    # ---- questions -----------------------------------------------------------------------------
    "q_incident_what": {
        "de": "Was genau funktioniert nicht? Beschreib das Problem bitte kurz.",
        "en": "What exactly is not working? Please describe the problem briefly.",
    },
    "q_incident_since": {
        "de": "Seit wann tritt das auf?",
        "en": "Since when has this been happening?",
    },
    "q_incident_impact": {"de": "Wer ist betroffen?", "en": "Who is affected?"},
    "q_incident_urgency": {
        "de": "Wie stark behindert dich das bei der Arbeit?",
        "en": "How badly does it block your work?",
    },
    "q_urgency_cue": {"de": "Wie dringend ist es?", "en": "How urgent is it?"},
    "q_installation_item": {
        "de": "Welche Software oder Hardware brauchst du?",
        "en": "Which software or hardware do you need?",
    },
    "q_installation_device": {
        "de": "Für welches Gerät (z. B. Laptop mit Inventarnummer)?",
        "en": "For which device (e.g. laptop and its asset number)?",
    },
    "q_training_topic": {
        "de": "Zu welchem Thema soll die Schulung sein?",
        "en": "What should the training be about?",
    },
    "q_training_participants": {"de": "Für wie viele Personen?", "en": "For how many people?"},
    "q_training_when": {
        "de": "Wann soll sie stattfinden (Zeitraum oder Wunschtermin)?",
        "en": "When should it take place (period or preferred date)?",
    },
    "q_documentation_document": {
        "de": "Welches Dokument oder welche Systemdokumentation suchst du?",
        "en": "Which document or system documentation are you looking for?",
    },
    "q_user_support_question": {
        "de": "Was möchtest du wissen? Stell deine Frage bitte möglichst konkret.",
        "en": "What would you like to know? Please ask your question as precisely as you can.",
    },
    "q_user_support_application": {
        "de": "Um welche Anwendung geht es?",
        "en": "Which application is it about?",
    },
    "q_coaching_topic": {
        "de": "Zu welchem Thema wünschst du dir das Coaching (z. B. Risikomanagement, Projektplanung)?",
        "en": "What should the coaching be about (e.g. risk management, project planning)?",
    },
    "q_coaching_preferred_time": {
        "de": "Wann würde es dir passen (Tage, Uhrzeiten)?",
        "en": "When would suit you (days, times)?",
    },
    # ---- field labels in summaries -------------------------------------------------------------
    "f_what": {"de": "Problem", "en": "Problem"},
    "f_since": {"de": "Seit", "en": "Since"},
    "f_impact": {"de": "Betroffen", "en": "Affected"},
    "f_urgency": {"de": "Dringlichkeit", "en": "Urgency"},
    "f_item": {"de": "Software/Hardware", "en": "Software/hardware"},
    "f_device": {"de": "Gerät", "en": "Device"},
    "f_topic": {"de": "Thema", "en": "Topic"},
    "f_participants": {"de": "Teilnehmende", "en": "Participants"},
    "f_when": {"de": "Zeitraum", "en": "When"},
    "f_document": {"de": "Dokument", "en": "Document"},
    "f_question": {"de": "Frage", "en": "Question"},
    "f_application": {"de": "Anwendung", "en": "Application"},
    "f_preferred_time": {"de": "Wunschtermin", "en": "Preferred time"},
    "impact_low": {"de": "Nur ich", "en": "Only me"},
    "impact_medium": {"de": "Mein Team / mehrere Personen", "en": "My team / several people"},
    "impact_high": {"de": "Viele / ganzer Standort", "en": "Many people / a whole site"},
    "urgency_low": {"de": "Ich kann normal arbeiten", "en": "I can work normally"},
    "urgency_medium": {"de": "Ich bin eingeschränkt", "en": "My work is impaired"},
    "urgency_high": {"de": "Ich kann gar nicht arbeiten", "en": "I cannot work at all"},
    "urgency_cue_low": {"de": "Nicht dringend", "en": "Not urgent"},
    "urgency_cue_medium": {"de": "Normal", "en": "Normal"},
    "urgency_cue_high": {"de": "Dringend", "en": "Urgent"},
    "answer_empty": {"de": "Bitte schreib eine Antwort.", "en": "Please write an answer."},
    "answer_choose": {
        "de": "Bitte wähle eine der Möglichkeiten (Nummer oder Text).",
        "en": "Please choose one of the options (number or text).",
    },
    "answer_number": {
        "de": "Bitte gib eine Zahl zwischen 1 und {max} an.",
        "en": "Please give a number between 1 and {max}.",
    },
    "summary": {
        "de": "Bitte prüfe deine Anfrage ({category}, Priorität {priority}):\n{fields}",
        "en": "Please check your request ({category}, priority {priority}):\n{fields}",
    },
    "btn_confirm": {"de": "Absenden", "en": "Submit"},
    "btn_change": {"de": "Ändern", "en": "Change"},
    "btn_cancel": {"de": "Abbrechen", "en": "Cancel"},
    "change_which": {"de": "Was möchtest du ändern?", "en": "What would you like to change?"},
    # ---- understanding answers, repairing the conversation ---------------------------------------
    "continue_request": {"de": "Weiter mit deiner Anfrage:", "en": "Back to your request:"},
    "withdrawn": {
        "de": "Alles klar, dann lasse ich die Anfrage fallen. Es wurde kein Ticket angelegt.",
        "en": "All right, I have dropped the request. No ticket was opened.",
    },
    "buttons_only": {
        "de": "Da bin ich mir nicht sicher. Tipp bitte auf eine der Möglichkeiten, oder sprich mit einem "
        "Menschen:",
        "en": "I am not sure how to read that. Please tap one of the options, or talk to a person:",
    },
    "handoff_after_misses": {
        "de": "Ich verstehe dich leider nicht richtig; eine Kollegin oder ein Kollege vom Service Desk "
        "übernimmt.",
        "en": "Sorry, I am not getting it right; a colleague from the service desk will take over.",
    },
    "noted_unknown": {
        "de": "Kein Problem, das lassen wir offen.",
        "en": "No problem, we will leave that open.",
    },
    "answer_off_topic": {
        "de": "Das beantwortet meine Frage noch nicht ganz.",
        "en": "That does not quite answer my question yet.",
    },
    "needs_words": {
        "de": "Ein paar Worte dazu brauche ich, damit das Team dir helfen kann.",
        "en": "I need a few words on this so the team can help you.",
    },
    "value_unknown": {"de": "unbekannt", "en": "unknown"},
    "corrected": {"de": "Geändert: {changes}.", "en": "Changed: {changes}."},
    "chitchat_thanks": {"de": "Gern!", "en": "You're welcome!"},
    "chitchat_greet": {"de": "Hallo!", "en": "Hi!"},
    "second_request_noted": {
        "de": "Notiert: Um »{text}« kümmere ich mich direkt danach.",
        "en": "Noted: I will take care of '{text}' right after this.",
    },
    "second_request_start": {
        "de": "Jetzt zu deinem nächsten Anliegen: »{text}«",
        "en": "Now to your next request: '{text}'",
    },
    "followup_which": {
        "de": "Gehört deine Nachricht zu einem deiner Tickets?",
        "en": "Is your message about one of your tickets?",
    },
    "btn_new_request": {"de": "Nein, etwas Neues", "en": "No, something new"},
    "reopen_reason": {
        "de": "{key} ist wieder geöffnet. Was funktioniert noch nicht? Deine Antwort geht an {name}.",
        "en": "{key} is open again. What is still not working? Your answer goes to {name}.",
    },
    "reopen_reason_recorded": {
        "de": "Danke, dein Grund ist bei {key} vermerkt und geht an {name}.",
        "en": "Thank you, your reason is recorded on {key} and goes to {name}.",
    },
    "reask_proposed": {
        "de": "Verstehe ich dich richtig: »{label}«? Dann schreib einfach »ja«, sonst tipp an, was passt.",
        "en": "Do I understand you right: '{label}'? Then just say 'yes', otherwise tap what fits.",
    },
    "reask_impact": {
        "de": "Meinst du nur dich, dein Team oder den ganzen Standort? Zum Beispiel »nur bei mir«, »das "
        "ganze Team« oder »alle im Haus«.",
        "en": "Do you mean only you, your team or a whole site? For example 'just me', 'my whole team' or "
        "'everyone in the building'.",
    },
    "reask_urgency": {
        "de": "Wie sehr hält es dich auf? Zum Beispiel »gar nicht, ist nur lästig«, »ich komme nur "
        "langsam voran« oder »ich kann gar nicht arbeiten«.",
        "en": "How much does it hold you up? For example 'not really, it is just annoying', 'I am much "
        "slower' or 'I cannot work at all'.",
    },
    "reask_urgency_cue": {
        "de": "Wie eilig ist es: dringend, normal oder hat es Zeit?",
        "en": "How soon is it needed: urgent, normal, or no rush?",
    },
    "reask_number": {
        "de": "Wie viele Personen ungefähr? Eine Zahl zwischen 1 und {max} reicht, z. B. »8« oder "
        "»zu dritt«.",
        "en": "Roughly how many people? A number between 1 and {max} is enough, e.g. '8' or 'three of us'.",
    },
    "reask_summary": {
        "de": "Soll ich das so absenden? Antworte z. B. mit »ja«, »ändern« oder »abbrechen«, oder schreib "
        "einfach, was anders sein soll.",
        "en": "Shall I submit it like this? Answer e.g. 'yes', 'change' or 'cancel', or just write what "
        "should be different.",
    },
    "reask_change": {
        "de": "Welche Angabe soll ich ändern? Tipp sie an oder nenne sie, z. B. »Seit« oder »Gerät«.",
        "en": "Which detail should I change? Tap it or name it, e.g. 'Since' or 'Device'.",
    },
    "clarify_incident_what": {
        "de": "Ich brauche eine kurze Beschreibung, was kaputt ist, z. B. »Outlook startet nicht« oder "
        "»Drucker im 2. OG druckt nur leere Seiten«.",
        "en": "I need a short description of what is broken, e.g. 'Outlook does not start' or 'the printer "
        "on floor 2 prints blank pages'.",
    },
    "clarify_incident_since": {
        "de": "Seit wann der Fehler auftritt, z. B. »seit heute Morgen«, »seit dem Update« oder »seit "
        "Montag«. Wenn du es nicht weißt, schreib einfach »weiß nicht«.",
        "en": "When the problem started, e.g. 'since this morning', 'since the update' or 'since Monday'. "
        "If you do not know, just say 'no idea'.",
    },
    "clarify_incident_impact": {
        "de": "Ich möchte wissen, wie viele betroffen sind: nur du, dein Team bzw. mehrere Kolleginnen und "
        "Kollegen, oder viele bzw. ein ganzer Standort.",
        "en": "I would like to know how many people are affected: only you, your team or several "
        "colleagues, or many people or a whole site.",
    },
    "clarify_incident_urgency": {
        "de": "Ich möchte wissen, wie sehr es dich aufhält: kannst du normal weiterarbeiten, nur "
        "eingeschränkt, oder gar nicht?",
        "en": "I would like to know how much it holds you up: can you work normally, only partly, or not "
        "at all?",
    },
    "clarify_installation_item": {
        "de": "Welches Programm oder Gerät du brauchst, z. B. »Visio«, »einen zweiten Monitor« oder "
        "»ein Headset«.",
        "en": "Which program or device you need, e.g. 'Visio', 'a second monitor' or 'a headset'.",
    },
    "clarify_installation_device": {
        "de": "Auf welchem Gerät es installiert werden soll. Die Inventarnummer steht auf dem Aufkleber am "
        "Gerät (z. B. »NB-2041«); »mein Laptop« genügt auch. Weißt du es nicht, schreib »weiß nicht«.",
        "en": "Which device it should go on. The asset number is on the sticker on the device (e.g. "
        "'NB-2041'); 'my laptop' is fine too. If you do not know, say 'no idea'.",
    },
    "clarify_training_topic": {
        "de": "Worum es in der Schulung gehen soll, z. B. »Excel Pivot-Tabellen« oder »Jira für Einsteiger«.",
        "en": "What the training should cover, e.g. 'Excel pivot tables' or 'Jira for beginners'.",
    },
    "clarify_training_participants": {
        "de": "Wie viele Personen teilnehmen, z. B. »8«, »nur ich« oder »zu dritt«.",
        "en": "How many people will attend, e.g. '8', 'just me' or 'three of us'.",
    },
    "clarify_training_when": {
        "de": "Wann es passen würde, z. B. »nächste Woche«, »im Januar« oder »egal«.",
        "en": "When it would suit you, e.g. 'next week', 'in January' or 'any time'.",
    },
    "clarify_documentation_document": {
        "de": "Welches Dokument du suchst, z. B. »Handbuch für SAP« oder »Systemdoku der Zeiterfassung«.",
        "en": "Which document you are looking for, e.g. 'the SAP manual' or 'the time tracking system docs'.",
    },
    "clarify_user_support_question": {
        "de": "Was genau du wissen möchtest, z. B. »Wie teile ich einen Kalender in Outlook?«.",
        "en": "What exactly you would like to know, e.g. 'How do I share a calendar in Outlook?'.",
    },
    "clarify_user_support_application": {
        "de": "In welchem Programm das ist, z. B. »Excel«, »Teams« oder »SAP«.",
        "en": "Which program it is in, e.g. 'Excel', 'Teams' or 'SAP'.",
    },
    "clarify_coaching_topic": {
        "de": "Wobei dich die Coachin oder der Coach unterstützen soll, z. B. »Risikomanagement« oder "
        "»Projektplanung«.",
        "en": "What the coach should help you with, e.g. 'risk management' or 'project planning'.",
    },
    "clarify_coaching_preferred_time": {
        "de": "Wann es dir passt, z. B. »Dienstag nachmittags« oder »nächste Woche, nicht montags«.",
        "en": "When it suits you, e.g. 'Tuesday afternoons' or 'next week, not Mondays'.",
    },
    "clarify_summary": {
        "de": "Das ist die Zusammenfassung deiner Anfrage. Mit »ja« schicke ich sie ab, mit »ändern« "
        "korrigierst du etwas, mit »abbrechen« verwerfe ich sie.",
        "en": "This is the summary of your request. Say 'yes' and I submit it, 'change' to correct "
        "something, 'cancel' to drop it.",
    },
    # ---- tickets in answers --------------------------------------------------------------------
    "status_new": {"de": "neu", "en": "new"},
    "status_assigned": {"de": "zugewiesen", "en": "assigned"},
    "status_in_progress": {"de": "in Bearbeitung", "en": "in progress"},
    "status_waiting": {"de": "wartet auf deine Rückmeldung", "en": "waiting for your answer"},
    # The same status as the desk's staff read it (the requester reads "waiting for your answer").
    "status_waiting_staff": {"de": "wartet auf Rückmeldung", "en": "waiting for the requester"},
    "status_resolved": {"de": "gelöst", "en": "resolved"},
    "status_closed": {"de": "geschlossen", "en": "closed"},
    "status_cancelled": {"de": "storniert", "en": "cancelled"},
    "ticket_line": {
        "de": "{key}, {category}, {status}, {handler}",
        "en": "{key}, {category}, {status}, {handler}",
    },
    "handler_on_it": {"de": "{name} kümmert sich darum", "en": "{name} is on it"},
    "handler_none": {"de": "noch niemand zugewiesen", "en": "not assigned yet"},
    "your_tickets": {"de": "Deine Tickets:", "en": "Your tickets:"},
    "no_tickets": {"de": "Du hast keine offenen Tickets.", "en": "You have no open tickets."},
    "which_ticket": {
        "de": "Zu welchem Ticket? Nenne die Nummer, z. B. SD-12.",
        "en": "Which ticket? Give its number, e.g. SD-12.",
    },
    "ticket_details": {
        "de": (
            "{key} · {category} · {priority} · {status}\n{title}\nAngefragt von {requester} am {created}\n"
            "Team: {team} · Bearbeitung: {handler}"
        ),
        "en": (
            "{key} · {category} · {priority} · {status}\nTitle: {title}\nRequested by {requester} on "
            "{created}\nTeam: {team} · Handler: {handler}"
        ),
    },
    "handler_was": {"de": "bearbeitet von {name}", "en": "handled by {name}"},
    "list_more": {"de": "… und {count} weitere", "en": "… and {count} more"},
    "action_reply": {"de": "Antwort", "en": "reply"},
    "action_reopen": {"de": "wieder öffnen", "en": "reopen"},
    "nobody": {"de": "niemand", "en": "nobody"},
    # ---- commands ------------------------------------------------------------------------------
    "cmd_unknown": {
        "de": "Den Befehl /{verb} kenne ich nicht. /help zeigt alle Befehle.",
        "en": "I do not know the command /{verb}. /help lists all commands.",
    },
    "cmd_usage": {"de": "So geht es: {usage}", "en": "Usage: {usage}"},
    "cmd_help_everyone": {
        "de": (
            "Befehle: /tickets (deine Tickets) · /status T · /reply T Text · /cancel T · /reopen T · "
            "/confirm T · /coaching · /lang de|en · /help"
        ),
        "en": (
            "Commands: /tickets (your tickets) · /status T · /reply T text · /cancel T · /reopen T · "
            "/confirm T · /coaching · /lang de|en · /help"
        ),
    },
    "cmd_help_agents": {
        "de": (
            "Für Agents: /claim T · /unclaim T · /assign T PERSON · /status T STATUS [Notiz] · "
            "/note T Text (intern) · /resolve T Text · /priority T P2 · /queue [Team] · /mine · /show T"
        ),
        "en": (
            "For agents: /claim T · /unclaim T · /assign T PERSON · /status T STATUS [note] · "
            "/note T text (internal) · /resolve T text · /priority T P2 · /queue [team] · /mine · /show T"
        ),
    },
    "done_claim": {"de": "Du bearbeitest jetzt {key}.", "en": "You are now handling {key}."},
    "done_unclaim": {"de": "{key} ist zurück in der Queue.", "en": "{key} is back in the queue."},
    "done_assign": {"de": "{key} ist jetzt {name} zugewiesen.", "en": "{key} is now assigned to {name}."},
    "assign_whom": {"de": "Wem soll {key} zugewiesen werden?", "en": "Who should handle {key}?"},
    "assign_nobody": {
        "de": "Im Team {team} gibt es niemanden sonst, dem {key} zugewiesen werden kann.",
        "en": "There is nobody else in {team} to assign {key} to.",
    },
    "done_status": {"de": "{key} ist jetzt: {status}.", "en": "{key} is now: {status}."},
    "done_note": {"de": "Interne Notiz zu {key} gespeichert.", "en": "Internal note added to {key}."},
    "done_resolve": {
        "de": "{key} ist gelöst; {requester} wurde informiert.",
        "en": "{key} is resolved; {requester} has been told.",
    },
    "done_priority": {
        "de": "{key} hat jetzt Priorität {priority}.",
        "en": "{key} now has priority {priority}.",
    },
    "done_reply": {
        "de": "Deine Antwort zu {key} ist verschickt.",
        "en": "Your reply on {key} has been sent.",
    },
    "done_cancel": {"de": "{key} ist storniert.", "en": "{key} is cancelled."},
    "done_reopen": {"de": "{key} ist wieder geöffnet.", "en": "{key} is open again."},
    "done_confirm": {"de": "Danke! {key} ist geschlossen.", "en": "Thank you! {key} is closed."},
    "queue_header": {
        "de": "Offen in {teams}: {count}",
        "en": "Open in {teams}: {count}",
    },
    "queue_empty": {"de": "Keine offenen Tickets in {teams}.", "en": "No open tickets in {teams}."},
    "mine_header": {"de": "Deine Tickets in Bearbeitung:", "en": "Tickets you are handling:"},
    "mine_empty": {"de": "Du bearbeitest gerade keine Tickets.", "en": "You are not handling any tickets."},
    "btn_claim": {"de": "Übernehmen", "en": "Claim"},
    "btn_show": {"de": "Anzeigen", "en": "Show"},
    "btn_assign": {"de": "Zuweisen", "en": "Assign"},
    "btn_solved": {"de": "Ja, gelöst", "en": "Yes, solved"},
    "btn_reopen": {"de": "Nein, wieder öffnen", "en": "No, reopen"},
    # ---- errors --------------------------------------------------------------------------------
    "error_generic": {
        "de": "Das hat nicht geklappt. Bitte versuch es noch einmal.",
        "en": "That did not work. Please try again.",
    },
    "error_ticket_not_found": {
        "de": "Ein Ticket {key} finde ich nicht.",
        "en": "I cannot find a ticket {key}.",
    },
    "error_person_not_found": {
        "de": "Eine Person »{name}« kenne ich nicht.",
        "en": "I do not know anyone called '{name}'.",
    },
    "error_team_not_found": {"de": "Ein Team »{name}« gibt es nicht.", "en": "There is no team '{name}'."},
    "error_not_allowed": {
        "de": "Das darfst du leider nicht.",
        "en": "Sorry, you are not allowed to do that.",
    },
    "error_not_in_team": {
        "de": "Das Ticket gehört zum Team {team}; darüber entscheidet die Teamleitung.",
        "en": "That ticket belongs to team {team}; the team lead decides on it.",
    },
    "error_not_team_member": {
        "de": "Die Queue von {team} sehen nur dessen Mitglieder und die Teamleitung.",
        "en": "Only the members of {team} and the team lead see its queue.",
    },
    "error_invalid_transition": {
        "de": "{key} ist {old}; das geht von dort aus nicht ({new}).",
        "en": "{key} is {old}; that is not possible from there ({new}).",
    },
    "error_already_claimed": {
        "de": "{key} bearbeitet schon {name}.",
        "en": "{key} is already handled by {name}.",
    },
    "error_not_claimed": {"de": "{key} hat noch niemand übernommen.", "en": "Nobody has claimed {key} yet."},
    "error_not_a_handler": {
        "de": "{name} bearbeitet keine Tickets.",
        "en": "{name} does not work on tickets.",
    },
    "error_invalid_value": {"de": "Ungültige Angabe: »{value}«.", "en": "Not a valid value: '{value}'."},
    "error_status_via_claim": {
        "de": "Den Status »{status}« setzt man mit /claim, /unclaim oder /assign.",
        "en": "The status '{status}' is set with /claim, /unclaim or /assign.",
    },
    "error_unknown_status": {
        "de": "Den Status »{status}« gibt es nicht. Möglich: in_progress, waiting, resolved, closed, "
        "cancelled.",
        "en": "There is no status '{status}'. Possible: in_progress, waiting, resolved, closed, cancelled.",
    },
    # ---- notifications to the requester --------------------------------------------------------
    "n_opened": {
        "de": (
            "Deine Anfrage {key} ({category}, Priorität {priority}) ist angelegt und beim Team {team}. "
            "Ich halte dich hier auf dem Laufenden."
        ),
        "en": (
            "Your request {key} ({category}, priority {priority}) is open and with team {team}. "
            "I will keep you posted here."
        ),
    },
    "n_claimed": {
        "de": (
            "{name} ({team}, {location}) bearbeitet jetzt deine Anfrage {key}. "
            "Du kannst antworten mit: /reply {key} dein Text"
        ),
        "en": (
            "{name} ({team}, {location}) is now handling your request {key}. "
            "You can answer with: /reply {key} your text"
        ),
    },
    "n_unclaimed": {
        "de": "{key} ist wieder in der Warteschlange des Teams {team}; gleich übernimmt es jemand anderes.",
        "en": "{key} is back in team {team}'s queue; someone else will pick it up.",
    },
    "n_status": {"de": "{key} ist jetzt: {status}.", "en": "{key} is now: {status}."},
    "n_status_note": {"de": "{key} ist jetzt: {status}. {note}", "en": "{key} is now: {status}. {note}"},
    "n_reply_to_requester": {
        "de": "{name} zu {key}: {text}\n(Antworten mit /reply {key} dein Text)",
        "en": "{name} on {key}: {text}\n(Answer with /reply {key} your text)",
    },
    "n_resolved": {
        "de": "{name} hat {key} gelöst: {text}\nIst dein Anliegen damit erledigt?",
        "en": "{name} has resolved {key}: {text}\nIs your request done?",
    },
    "n_closed": {"de": "{key} ist geschlossen. Danke!", "en": "{key} is closed. Thank you!"},
    "n_cancelled": {"de": "{key} ist storniert.", "en": "{key} is cancelled."},
    "n_reopened": {
        "de": "{key} ist wieder geöffnet und in Bearbeitung.",
        "en": "{key} is open again and being worked on.",
    },
    "n_priority": {
        "de": "{key} hat jetzt Priorität {priority}.",
        "en": "{key} now has priority {priority}.",
    },
    # ---- notifications to the team and the handler ---------------------------------------------
    "team_new": {
        "de": "Neu: {key} · {category} · {priority} · von {requester}\n{title}",
        "en": "New: {key} · {category} · {priority} · from {requester}\n{title}",
    },
    "team_claimed": {"de": "{key} übernimmt {name}.", "en": "{key} is being handled by {name}."},
    "team_assigned_to_you": {
        "de": "{actor} hat dir {key} zugewiesen: {title}",
        "en": "{actor} assigned {key} to you: {title}",
    },
    "team_taken_from_you": {
        "de": "{key} bearbeitet jetzt {name} (durch {actor}).",
        "en": "{key} is now handled by {name} (changed by {actor}).",
    },
    "team_unclaimed": {"de": "{key} ist wieder frei.", "en": "{key} is unassigned again."},
    "team_status": {"de": "{key}: {old} → {new} ({actor})", "en": "{key}: {old} → {new} ({actor})"},
    "team_reply_from_requester": {
        "de": "{name} antwortet zu {key}: {text}",
        "en": "{name} replied on {key}: {text}",
    },
    "team_reopened": {
        "de": "{key} wurde von {name} wieder geöffnet.",
        "en": "{key} was reopened by {name}.",
    },
    # A ticket's card in the team's chat once it is no longer new and unclaimed (then it reads team_new);
    # it is updated in place as the ticket changes.
    "team_card": {
        "de": "{key} · {category} · {priority} · von {requester}\n{title}\n{state}",
        "en": "{key} · {category} · {priority} · from {requester}\n{title}\n{state}",
    },
    "card_state": {"de": "Status: {status}", "en": "Status: {status}"},
    "card_state_handler": {
        "de": "Status: {status} · Bearbeitung: {name}",
        "en": "Status: {status} · Handler: {name}",
    },
    # ---- a requester's message in the thread of their ticket -----------------------------------
    "thread_reply_to_handler": {
        "de": "Deine Nachricht ist zu {key} hinzugefügt und geht an {name}.",
        "en": "Your message has been added to {key} and goes to {name}.",
    },
    "thread_reply_to_team": {
        "de": "Deine Nachricht ist zu {key} hinzugefügt und geht an das Team {team}.",
        "en": "Your message has been added to {key} and goes to team {team}.",
    },
    "thread_reply_resolved": {
        "de": "{key} ist als gelöst markiert. Ist dein Anliegen damit erledigt?",
        "en": "{key} is marked as resolved. Is your request done?",
    },
    # ---- Telegram: the command menu (setMyCommands; at most 256 characters each) -----------------
    "tg_command_start": {"de": "Den Service Desk kennenlernen", "en": "Meet the service desk"},
    "tg_command_help": {"de": "Was ich kann, alle Befehle", "en": "What I can do, all commands"},
    "tg_command_tickets": {"de": "Deine Tickets", "en": "Your tickets"},
    "tg_command_status": {
        "de": "Status eines Tickets: /status SD-12",
        "en": "A ticket's status: /status SD-12",
    },
    "tg_command_reply": {
        "de": "Antwort zu einem Ticket: /reply SD-12 Text",
        "en": "Reply on a ticket: /reply SD-12 text",
    },
    "tg_command_cancel": {
        "de": "Abbrechen, oder ein Ticket zurückziehen: /cancel SD-12",
        "en": "Stop, or withdraw a ticket: /cancel SD-12",
    },
    "tg_command_reopen": {
        "de": "Ein Ticket wieder öffnen: /reopen SD-12",
        "en": "Reopen a ticket: /reopen SD-12",
    },
    "tg_command_confirm": {
        "de": "Bestätigen, dass es gelöst ist: /confirm SD-12",
        "en": "Confirm it is solved: /confirm SD-12",
    },
    "tg_command_coaching": {
        "de": "PMO-Coaching buchen (Projektleitungen)",
        "en": "Book PMO coaching (project leads)",
    },
    "tg_command_lang": {
        "de": "Sprache wählen: /lang de oder /lang en",
        "en": "Choose the language: /lang de or /lang en",
    },
    "tg_command_claim": {
        "de": "Agents: Ticket übernehmen: /claim SD-12",
        "en": "Agents: take a ticket: /claim SD-12",
    },
    "tg_command_unclaim": {
        "de": "Agents: Ticket zurück in die Queue",
        "en": "Agents: put a ticket back in the queue",
    },
    "tg_command_assign": {
        "de": "Agents: zuweisen: /assign SD-12 Person",
        "en": "Agents: assign: /assign SD-12 person",
    },
    "tg_command_note": {
        "de": "Agents: interne Notiz: /note SD-12 Text",
        "en": "Agents: internal note: /note SD-12 text",
    },
    "tg_command_resolve": {
        "de": "Agents: lösen: /resolve SD-12 Lösung",
        "en": "Agents: resolve: /resolve SD-12 solution",
    },
    "tg_command_priority": {
        "de": "Agents: Priorität setzen: /priority SD-12 P2",
        "en": "Agents: set the priority: /priority SD-12 P2",
    },
    "tg_command_queue": {
        "de": "Agents: offene Tickets deiner Teams",
        "en": "Agents: your teams' open tickets",
    },
    "tg_command_mine": {"de": "Agents: deine Tickets in Arbeit", "en": "Agents: the tickets you handle"},
    "tg_command_show": {
        "de": "Agents: ein Ticket mit Verlauf: /show SD-12",
        "en": "Agents: a ticket with its history: /show SD-12",
    },
    "tg_start_me_first": {
        "de": "Ich kann dir nur privat antworten: bitte öffne zuerst einen Chat mit mir und drück »Start«.",
        "en": "I can only answer you privately: please open a chat with me first and press Start.",
    },
    "tg_button_expired": {
        "de": "Dieser Knopf gilt nicht mehr. Schreib deine Antwort bitte als Text.",
        "en": "This button has expired. Please type your answer instead.",
    },
}

TEXT_KEYS = frozenset(TEXTS)


def staff_status_key(status: str) -> str:
    """Status names for the desk's staff: "waiting" is on the requester, not on the reader."""
    return "status_waiting_staff" if status == "waiting" else f"status_{status}"


class Translator:
    """Looks up a text in the reader's language, with the desk's own wording where it has one."""

    def __init__(self, overrides: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self._overrides = overrides or {}

    def __call__(self, language: str, text_key: str, /, **params: Any) -> str:
        language = language if language in LANGUAGES else "en"
        template = self._overrides.get(language, {}).get(text_key) or TEXTS[text_key][language]
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):
            # An admin's override with a wrong placeholder must not break the conversation.
            return TEXTS[text_key][language].format(**params)
