"""Software and hardware the desk knows by name, with the synonyms people write.

A built-in starter list; later the desk configuration extends it.
"""

from __future__ import annotations

from bot.intents.prefill import catalogue_item

ITEMS: dict[str, tuple[str, ...]] = {
    "Outlook": ("outlook", "e-mail-programm", "mail client"),
    "Microsoft Teams": ("teams", "ms teams"),
    "Excel": ("excel",),
    "Word": ("word", "ms word"),
    "PowerPoint": ("powerpoint", "ppt"),
    "Visio": ("visio", "ms visio"),
    "MS Project": ("ms project", "microsoft project", "msproject"),
    "SAP": ("sap", "sap gui", "s/4hana", "s4"),
    "Jira": ("jira",),
    "Confluence": ("confluence", "wiki"),
    "SharePoint": ("sharepoint", "share point"),
    "OneDrive": ("onedrive", "one drive"),
    "VPN": ("vpn", "globalprotect", "anyconnect"),
    "Citrix": ("citrix",),
    "Adobe Acrobat": ("acrobat", "adobe acrobat", "adobe reader", "acrobat pro"),
    "Zoom": ("zoom",),
    "Salesforce": ("salesforce",),
    "Power BI": ("power bi", "powerbi"),
    "Visual Studio Code": ("vs code", "vscode", "visual studio code"),
    "Python": ("python",),
    "Docking station": ("docking station", "dockingstation", "dock"),
    "Monitor": ("monitor", "bildschirm", "second screen", "zweiter bildschirm"),
    "Headset": ("headset", "kopfhörer", "headphones"),
    "Keyboard": ("tastatur", "keyboard"),
    "Mouse": ("maus", "mouse"),
    "Printer": ("drucker", "printer"),
    "Laptop": ("laptop", "notebook"),
    "Smartphone": ("smartphone", "diensthandy", "iphone"),
    "WLAN": ("wlan", "wifi", "wi-fi"),
}

known_item = catalogue_item(ITEMS)
