"""Software and hardware from the desk's catalogue, found the way people write them."""

from __future__ import annotations

import pytest

from nlu.catalogue import Catalogue, CatalogueItem


def sw(name: str, *synonyms: str) -> CatalogueItem:
    return CatalogueItem(name, "software", synonyms)


def hw(name: str, *synonyms: str) -> CatalogueItem:
    return CatalogueItem(name, "hardware", synonyms)


# A desk-sized catalogue (~60 items, ~150 synonyms), the shape of bot/config/demo_desk.yml.
DESK_ITEMS = [
    sw("Outlook", "e-mail-programm", "mail client", "ms outlook", "outlook web", "owa", "mailprogramm"),
    sw("Microsoft Teams", "teams", "ms teams"),
    sw("Microsoft 365", "office", "office 365", "ms office", "m365"),
    sw("Excel", "ms excel", "microsoft excel", "tabellenkalkulation"),
    sw("Word", "ms word", "microsoft word"),
    sw("PowerPoint", "ppt", "ms powerpoint", "microsoft powerpoint", "powerpnt"),
    sw("Visio", "ms visio", "microsoft visio"),
    sw("MS Project", "microsoft project", "msproject", "project professional"),
    sw("OneNote", "one note"),
    sw("SAP", "sap gui", "s/4hana", "s4hana"),
    sw("Jira", "jira software", "jira service management"),
    sw("Confluence", "wiki"),
    sw("SharePoint", "share point"),
    sw("OneDrive", "one drive"),
    sw("VPN", "vpn client", "globalprotect", "anyconnect"),
    sw("Citrix", "citrix workspace", "citrix receiver", "xenapp"),
    sw("Adobe Acrobat", "acrobat", "adobe reader", "acrobat pro", "acrobat reader"),
    sw("Adobe Photoshop", "photoshop"),
    sw("Adobe Illustrator", "illustrator"),
    sw("Zoom", "zoom client", "zoom meetings"),
    sw("Webex", "cisco webex", "webex meetings"),
    sw("Salesforce", "sfdc", "sales cloud", "service cloud"),
    sw("Power BI", "powerbi"),
    sw("Tableau", "tableau desktop", "tableau reader"),
    sw("Miro", "miro board", "realtimeboard"),
    sw("Visual Studio Code", "vs code", "vscode"),
    sw("Visual Studio"),
    sw("Python", "python3", "anaconda", "miniconda"),
    sw("Git", "gitlab", "github desktop"),
    sw("Docker Desktop", "docker"),
    sw("Google Chrome", "chrome", "chrome browser"),
    sw("Firefox", "mozilla firefox", "ff browser"),
    sw("7-Zip", "7zip"),
    sw("Windows", "windows 11", "windows 10"),
    sw("Notepad++", "notepad plus plus"),
    sw("KeePass", "keepass xc", "keepassxc", "passwort-safe"),
    sw("Slack", "slack app"),
    sw("Thunderbird", "mozilla thunderbird"),
    sw("Camtasia", "techsmith camtasia", "snagit"),
    sw("SPSS", "ibm spss", "spss statistics"),
    sw("MATLAB", "simulink"),
    sw("AutoCAD", "auto cad", "autocad lt"),
    sw("TeamViewer", "team viewer"),
    sw("Microsoft Edge", "edge"),
    hw("Docking station", "dockingstation", "docking-station", "dock"),
    hw("Monitor", "bildschirm", "second screen", "zweiter bildschirm", "display"),
    hw("Headset", "kopfhörer", "headphones", "earbuds"),
    hw("Webcam", "kamera", "camera", "web cam", "konferenzkamera"),
    hw("Keyboard", "tastatur", "funktastatur", "ergonomische tastatur"),
    hw("Mouse", "maus", "funkmaus", "computermaus", "vertikalmaus"),
    hw("Printer", "drucker", "etagendrucker", "multifunktionsgerät", "mfp"),
    hw("Laptop", "notebook", "thinkpad", "latitude", "elitebook"),
    hw("MacBook", "mac book", "macbook pro", "macbook air"),
    hw("Smartphone", "diensthandy", "iphone", "handy"),
    hw("Tablet", "ipad", "surface pro", "galaxy tab"),
    hw("YubiKey", "security key", "sicherheitsschlüssel"),
    hw("Desk phone", "tischtelefon", "festnetztelefon", "voip telefon", "desk telephone"),
    hw("USB stick", "usb-stick", "memory stick", "thumb drive", "speicherstick"),
    hw("Presenter", "clicker", "laserpointer"),
    hw("Beamer", "projector", "projektor"),
    hw("Scanner", "dokumentenscanner", "handscanner", "barcodescanner"),
]
DESK = Catalogue(DESK_ITEMS)


def items(text: str, catalogue: Catalogue = DESK) -> list[tuple[str, str, str]]:
    """(kind, canonical name, the exact text the offsets point at) for every item found."""
    return [(str(e["entity"]), str(e["value"]), text[e["start"] : e["end"]]) for e in catalogue.find(text)]


def test_the_catalogue_is_desk_sized() -> None:
    assert len(DESK_ITEMS) >= 60
    assert sum(len(item.synonyms) for item in DESK_ITEMS) >= 140


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bitte Visio installieren", [("software", "Visio", "Visio")]),
        ("bitte visio installieren", [("software", "Visio", "visio")]),
        ("Mein Drucker druckt nicht", [("hardware", "Printer", "Drucker")]),
        ("Kopfhörer kaputt", [("hardware", "Headset", "Kopfhörer")]),
        ("Kopfhoerer kaputt", [("hardware", "Headset", "Kopfhoerer")]),
        ("Sicherheitsschluessel verloren", [("hardware", "YubiKey", "Sicherheitsschluessel")]),
        ("please install Power BI", [("software", "Power BI", "Power BI")]),
        ("Outlook-Kalender zeigt nichts", [("software", "Outlook", "Outlook")]),
        ("Die VPN-Verbindung bricht ab", [("software", "VPN", "VPN")]),
        ("MS Project fehlt", [("software", "MS Project", "MS Project")]),
        ("ms project fehlt", [("software", "MS Project", "ms project")]),
        ("Microsoft Project bitte", [("software", "MS Project", "Microsoft Project")]),
        ("die docking station geht nicht", [("hardware", "Docking station", "docking station")]),
        ("Docking-Station", [("hardware", "Docking station", "Docking-Station")]),
        ("ein zweiter Bildschirm", [("hardware", "Monitor", "zweiter Bildschirm")]),
        ("Adobe Reader stürzt ab", [("software", "Adobe Acrobat", "Adobe Reader")]),
        ("Mein Handy ist kaputt", [("hardware", "Smartphone", "Handy")]),
        # spaces, hyphens and dots do not matter
        ("share point zeigt 404", [("software", "SharePoint", "share point")]),
        ("Share-Point zeigt 404", [("software", "SharePoint", "Share-Point")]),
        ("sharepoint zeigt 404", [("software", "SharePoint", "sharepoint")]),
        ("onedrive sync", [("software", "OneDrive", "onedrive")]),
        ("E-Mail-Programm geht nicht", [("software", "Outlook", "E-Mail-Programm")]),
        ("7zip fehlt", [("software", "7-Zip", "7zip")]),
        ("7-Zip fehlt", [("software", "7-Zip", "7-Zip")]),
        ("Zugang zu S/4HANA", [("software", "SAP", "S/4HANA")]),
        ("Notepad++ installieren", [("software", "Notepad++", "Notepad")]),
        # the longest phrase wins
        ("Visual Studio Code bitte", [("software", "Visual Studio Code", "Visual Studio Code")]),
        ("Visual Studio bitte", [("software", "Visual Studio", "Visual Studio")]),
        ("Windows 10 Update hängt", [("software", "Windows", "Windows 10")]),
        ("Office 365 Lizenz", [("software", "Microsoft 365", "Office 365")]),
        ("MacBook Pro geht nicht an", [("hardware", "MacBook", "MacBook Pro")]),
        # plurals and case endings
        ("zwei Laptops", [("hardware", "Laptop", "Laptops")]),
        ("drei Monitore", [("hardware", "Monitor", "Monitore")]),
        ("an allen Druckern", [("hardware", "Printer", "Druckern")]),
        ("two headsets", [("hardware", "Headset", "headsets")]),
        ("die VPNs", [("software", "VPN", "VPNs")]),
        # several items, in order
        (
            "Bitte Outlook, Teams und OneDrive auf dem neuen Laptop einrichten",
            [
                ("software", "Outlook", "Outlook"),
                ("software", "Microsoft Teams", "Teams"),
                ("software", "OneDrive", "OneDrive"),
                ("hardware", "Laptop", "Laptop"),
            ],
        ),
    ],
)
def test_names_and_synonyms_in_any_spelling(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert items(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mein outlok startet nicht", [("software", "Outlook", "outlok")]),
        ("Outloook hängt", [("software", "Outlook", "Outloook")]),
        ("sharepiont zeigt 404", [("software", "SharePoint", "sharepiont")]),
        ("powerpiont stürzt ab", [("software", "PowerPoint", "powerpiont")]),
        ("confluece ist down", [("software", "Confluence", "confluece")]),
        ("Salesfroce Zugang", [("software", "Salesforce", "Salesfroce")]),
        ("Photshop bitte", [("software", "Adobe Photoshop", "Photshop")]),
        ("die dockingstaton", [("hardware", "Docking station", "dockingstaton")]),
        ("docking statoin", [("hardware", "Docking station", "docking statoin")]),
        ("Tastatr klemmt", [("hardware", "Keyboard", "Tastatr")]),
    ],
)
def test_small_typos_in_longer_words(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert items(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Exel stürzt ab",  # four letters: one edit would turn too many words into product names
        "Jria geht nicht",
        "Uotlook",  # the first letter must be right
        "Ich kann nicht drucken",  # a real word one edit from "Drucker"
        "a house by the lake",  # not a typo for "mouse": the first letter differs
        "my vision for the project",
        "conference room booking",
        "the table is wobbly",
        "the window freezes",
        "printed documents",
        "Ich kann nicht scannen",  # the verb, not a typo for "Scanner"
    ],
)
def test_typos_are_not_guessed_from_real_words_or_short_words(text: str) -> None:
    assert items(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Teams stürzt ab", [("software", "Microsoft Teams", "Teams")]),
        ("Mikrofon geht in Teams nicht", [("software", "Microsoft Teams", "Teams")]),
        ("Im Teams-Chat fehlt was", [("software", "Microsoft Teams", "Teams")]),
        ("die Teams-App startet nicht", [("software", "Microsoft Teams", "Teams")]),
        ("in ms teams", [("software", "Microsoft Teams", "ms teams")]),
        ("MS-Teams", [("software", "Microsoft Teams", "MS-Teams")]),
        ("Word friert ein", [("software", "Word", "Word")]),
        ("Gibt es eine Word-Vorlage?", [("software", "Word", "Word")]),
        ("ms word crashes", [("software", "Word", "ms word")]),
        ("microsoft word", [("software", "Word", "microsoft word")]),
        ("Zoom bricht ab", [("software", "Zoom", "Zoom")]),
        ("Office stürzt ab", [("software", "Microsoft 365", "Office")]),
        ("MS Office neu installieren", [("software", "Microsoft 365", "MS Office")]),
        ("Edge zeigt nichts an", [("software", "Microsoft Edge", "Edge")]),
        ("Slack installieren", [("software", "Slack", "Slack")]),
        ("TeamViewer Sitzung", [("software", "TeamViewer", "TeamViewer")]),
        # at the start of a sentence, with a word that says "software" after it
        ("Teams stürzt ständig ab", [("software", "Microsoft Teams", "Teams")]),
        ("Hallo! Teams startet nicht", [("software", "Microsoft Teams", "Teams")]),
        ("Teams isn't working", [("software", "Microsoft Teams", "Teams")]),
        ("Teams Meeting bricht ab", [("software", "Microsoft Teams", "Teams")]),
        ("in Teams kann ich nicht telefonieren", [("software", "Microsoft Teams", "Teams")]),
        ("MS Teams installieren", [("software", "Microsoft Teams", "MS Teams")]),
        ("Microsoft Teams installieren", [("software", "Microsoft Teams", "Microsoft Teams")]),
        # a compound is the software, after a number too
        ("Wir brauchen drei Teams-Lizenzen", [("software", "Microsoft Teams", "Teams")]),
    ],
)
def test_everyday_words_match_as_products_when_written_as_one(
    text: str, expected: list[tuple[str, str, str]]
) -> None:
    assert items(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Das Team hat keinen Zugriff",
        "my team can't log in",
        "teams of five people",  # lower case: the everyday word
        "die Teams im Vertrieb",  # plural determiner: groups of people
        "alle Teams sind betroffen",
        "our Teams are busy",
        "Coaching zur Transformation meines Teams",
        "Training für Scrum-Teams",
        "I need a word with you",
        "in a word: broken",
        "please zoom in on the chart",
        "im Office ist es kalt",
        "back in the office tomorrow",
        "at the edge of the screen",
        "give me some slack",
        "that would be handy",
        "Teamsitzung um 10",
        "Ich habe mein password vergessen",  # "word" inside "password"
        "Passwort zurücksetzen",
        "Wordpress-Seite",
        # after a number: groups of people
        "Wir brauchen eine Scrum-Schulung für unsere drei Teams, 15 Leute",
        "We need a Scrum training for two Teams",
        "Coaching für 3 Teams",
        # at the start of a sentence a capital says nothing in German
        "Teams aus dem Vertrieb brauchen Zugriff",
        "Hallo zusammen. Teams aus dem Vertrieb brauchen Zugriff",
        "Guten Morgen,\nTeams im Vertrieb brauchen Zugriff",
        "Teams are reorganised next week",
    ],
)
def test_everyday_words_stay_words(text: str) -> None:
    assert items(text) == []


def test_a_count_before_teams_leaves_the_other_items() -> None:
    assert items("Schulung zu Jira für 3 Teams") == [("software", "Jira", "Jira")]


def test_docking_is_a_verb_not_a_docking_station() -> None:
    assert items("Laptop lässt sich nicht docken") == [("hardware", "Laptop", "Laptop")]
    assert items("Ich docke den Laptop an") == [("hardware", "Laptop", "Laptop")]
    assert items("Docken geht nicht") == []
    catalogue = Catalogue([hw("Docking station", "dock")])  # without Docker, no typo to fall back on
    assert items("Laptop lässt sich nicht docken", catalogue) == []
    # a short word still takes its plural
    assert items("zwei Docks", catalogue) == [("hardware", "Docking station", "Docks")]


def test_dock_is_not_found_inside_docker() -> None:
    assert items("docker compose up") == [("software", "Docker Desktop", "docker")]
    catalogue = Catalogue([hw("Docking station", "dock")])  # even when Docker is not in the catalogue
    assert items("docker compose up", catalogue) == []
    assert items("the dock is dead", catalogue) == [("hardware", "Docking station", "dock")]


def test_a_name_given_to_two_items_is_refused_when_the_catalogue_is_built() -> None:
    with pytest.raises(ValueError, match="'Outlook' and 'Thunderbird' are both written 'mailclient'"):
        Catalogue([sw("Outlook", "mail client"), sw("Thunderbird", "mail-client")])


def test_the_same_synonym_twice_for_one_item_is_fine() -> None:
    catalogue = Catalogue([sw("SharePoint", "share point", "share-point", "SharePoint")])
    assert items("Share Point", catalogue) == [("software", "SharePoint", "Share Point")]


def test_an_empty_catalogue_finds_nothing() -> None:
    assert Catalogue([]).find("Outlook, Teams, Drucker") == []


def test_every_word_of_a_long_message_is_looked_at_once() -> None:
    text = ("Outlook und der Drucker gehen nicht, " * 60)[:2000]
    found = DESK.find(text)
    assert len(found) == 2 * text.count("Drucker")
    assert all(text[e["start"] : e["end"]] in ("Outlook", "Drucker") for e in found)
