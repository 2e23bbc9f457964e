"""The record of processing (for the DPIA), generated from the model so that it stays true.

Every sealed column of the model is personal or sensitive data. Each table that
holds one needs an entry below saying whose data it is, why piket keeps it, how
long and who can see it; `register()` refuses to write the record while a sealed
column has no entry, so a new field cannot slip in undescribed. The retention
figures come from the running configuration.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.config import Settings
from backend.models import Base
from backend.services.enrolment import CODE_LIFETIME
from secure_store.types import EncryptedText


@dataclass(frozen=True)
class Purpose:
    subjects: tuple[str, str]
    why: tuple[str, str]
    retention: tuple[str, str]
    seen_by: tuple[str, str]
    """Each as (Dutch, English)."""


PURPOSES: dict[str, Purpose] = {
    "inspectors": Purpose(
        (
            "toezichthouders van het team (medewerkers van de deelnemende gemeenten)",
            "the team's inspectors (employees of the participating municipalities)",
        ),
        (
            "inzet plannen en oproepen (wie mag waar, wie is opgeleid), bereikbaarheid via de pikettelefoon, "
            "uren en ORT vastleggen",
            "planning and call-outs (who may act where, who is trained), reaching them on the burner phone, "
            "recording hours and allowances",
        ),
        (
            "zolang zij in het team zitten; daarna op inactief, uren blijven voor de verrekening",
            "while they are in the team; then inactive, their hours stay for the settlement",
        ),
        (
            "coördinator (voornamen), beheerder (alles); financiën ziet uren per toezichthouder; "
            "collega's in het koppel zien elkaars voornaam",
            "coordinator (first names), admin (everything); finance sees hours per inspector; "
            "a pair sees each other's first name",
        ),
    ),
    "callouts": Purpose(
        (
            "geen personen: adres van een pand en operationele aantekeningen over het pand",
            "no persons: the address of premises and operational notes about them",
        ),
        ("het koppel naar de juiste plek sturen", "sending the pair to the right place"),
        (
            "{days} dagen na beoordeling van het rapport, of na de dienst als er geen rapport is; "
            "hoogstens 180 dagen na de dienst; daarna gewist (aantallen en uren blijven)",
            "{days} days after the report is reviewed, or after the shift when there is none; "
            "at most 180 days after the shift; then erased (counts and hours stay)",
        ),
        (
            "coördinator; het bevestigde koppel (beschermd bericht, na de dienst verwijderd); "
            "nooit financiën of controleur",
            "coordinator; the confirmed pair (protected message, deleted after the shift); never finance or "
            "the auditor",
        ),
    ),
    "outbox_messages": Purpose(
        (
            "toezichthouders (hun chat) en de inhoud van berichten aan hen",
            "inspectors (their chat) and the content of messages to them",
        ),
        (
            "berichten betrouwbaar afleveren binnen de grenzen van Telegram",
            "delivering messages reliably within Telegram's limits",
        ),
        (
            "locatieberichten worden met de oproep gewist; andere berichten blijven als afleverbewijs",
            "location messages are erased with the call-out; other messages stay as proof of delivery",
        ),
        ("niemand via de pagina's; alleen de verzender", "nobody through the pages; only the sender"),
    ),
    "unavailabilities": Purpose(
        (
            "toezichthouders: dagen dat zij niet beschikbaar zijn, met een reden als zij die geven",
            "inspectors: days they are not available, with a reason if they give one",
        ),
        (
            "hen niet inroosteren of oproepen op dagen dat zij er niet zijn",
            "not rostering or calling them out on days they are away",
        ),
        (
            "{days} dagen na de laatste dag; daarna gewist",
            "{days} days after the last day; then erased",
        ),
        (
            "de toezichthouder zelf (in de bot) en de coördinator; de reden niemand anders",
            "the inspector (in the bot) and the coordinator; the reason nobody else",
        ),
    ),
    "shift_changes": Purpose(
        (
            "geen personen: waarom een controledag verplaatst of afgelast is, of een oproep afgelast",
            "no persons: why a control day was moved or cancelled, or a call-out cancelled",
        ),
        (
            "de geschiedenis van de planning verantwoorden (bijvoorbeeld: uitgesteld voor een "
            "politieonderzoek)",
            "accounting for the planning's history (for example: postponed for a police investigation)",
        ),
        (
            "de reden {days} dagen na de dienst gewist; de wijziging zelf (data, wie, wanneer) blijft",
            "the reason erased {days} days after the shift; the change itself (dates, who, when) stays",
        ),
        ("coördinator", "coordinator"),
    ),
    "controlled_addresses": Purpose(
        (
            "geen personen: een gecontroleerd adres, alleen als sleutel-hash (HMAC met een eigen sleutel) "
            "van de genormaliseerde schrijfwijze; het adres zelf wordt niet bewaard",
            "no persons: a controlled address, only as a keyed hash (HMAC with a key of its own) of its "
            "normalised spelling; the address itself is not kept",
        ),
        (
            "de coördinator waarschuwen voor een tweede controle van hetzelfde adres binnen korte tijd "
            "(dubbele en overmatige controles voorkomen)",
            "warning the coordinator of a second control of the same address soon after the first "
            "(avoiding double and excessive controls)",
        ),
        (
            "de teaminstelling repeat_warning_months van het profiel (standaard 6 maanden) na de controle; "
            "daarna gewist",
            "the team's setting repeat_warning_months in its profile (6 months by default) after the "
            "control; then erased",
        ),
        (
            "niemand leest het: piket toont de coördinator alleen de datum en het nummer van de eerdere "
            "controle",
            "nobody reads it: piket shows the coordinator only the day and number of the earlier control",
        ),
    ),
    "web_users": Purpose(
        (
            "medewerkers met een webaccount (coördinator, financiën, beheer, controleur)",
            "staff with a web account (coordinator, finance, admin, auditor)",
        ),
        ("inloggen met twee factoren", "logging in with two factors"),
        ("zolang het account bestaat", "while the account exists"),
        (
            "de gebruiker zelf; de beheerder ziet alleen gebruikersnaam en rol",
            "the user; the admin sees only the username and role",
        ),
    ),
    "disclosures": Purpose(
        (
            "ontvangers van gegevens uit piket (organisaties of functies) en wie ze verstrekte",
            "receivers of data from piket (organisations or functions) and who handed it out",
        ),
        (
            "verantwoorden wat met wie en waarom is gedeeld (deelregel van de handreiking): elke export, "
            "specificatie, back-up, overdracht van rapportages en inzageverzoek",
            "accounting for what was shared with whom and why (the guideline's sharing rule): every export, "
            "statement, backup, report hand-over and access request",
        ),
        (
            "zolang piket draait, net als het auditlog; de selectie bevat alleen id's en data, geen namen",
            "while piket runs, like the audit log; the selection holds only ids and dates, no names",
        ),
        ("beheerder en controleur (pagina en CSV)", "admin and auditor (page and CSV)"),
    ),
    "designations": Purpose(
        (
            "toezichthouders van het team (hun aanwijzingsbesluiten)",
            "the team's inspectors (their designation decisions)",
        ),
        (
            "alleen wie aangewezen is, krijgt oproepen voor een gemeente; het kenmerk van het besluit is "
            "vrije tekst en kan een naam of zaaknummer dragen",
            "only who is designated gets call-outs for a municipality; the decision's reference is free text "
            "and may carry a name or a case number",
        ),
        (
            "zolang de toezichthouder in het team zit (een beëindigd besluit blijft als grondslag van "
            "gewerkte uren)",
            "while the inspector is in the team (an ended decision stays as the basis of hours worked)",
        ),
        ("coördinator en beheerder", "coordinator and admin"),
    ),
    "hour_entries": Purpose(
        (
            "toezichthouders (hun uren) en wie in de reden van een correctie genoemd wordt",
            "inspectors (their hours) and whoever a correction's reason names",
        ),
        (
            "uren en ORT verrekenen; de reden verklaart een correctie aan financiën en de controleur",
            "settling hours and allowances; the reason explains a correction to finance and the auditor",
        ),
        (
            "uren blijven voor de verrekening; de reden van een correctie wordt {reason_days} dagen na "
            "invoer gewist",
            "hours stay for the settlement; a correction's reason is erased {reason_days} days after it was "
            "entered",
        ),
        (
            "coördinator, financiën en controleur; de reden staat niet in de exports",
            "coordinator, finance and the auditor; the reason is not in the exports",
        ),
    ),
    "risk_notes": Purpose(
        (
            "geen personen: de risicoanalyse van de politie over een pand (niveau en korte tekst)",
            "no persons: the police's risk analysis of premises (a level and a short text)",
        ),
        (
            "de veiligheid van het koppel: zij lezen de inschatting stil en beschermd in de bot",
            "the pair's safety: they read the estimate silently and protected in the bot",
        ),
        (
            "de tekst gaat met de gegevens van de oproep ({days} dagen na beoordeling van het rapport, "
            "hoogstens 180 dagen na de dienst; een controledag {days} dagen na de dienst); het bericht "
            "in de bot wordt na de dienst verwijderd",
            "the text goes with the call-out's details ({days} days after the report's review, at most "
            "180 days after the shift; a control day {days} days after the shift); the bot's message is "
            "deleted after the shift",
        ),
        ("coördinator en het koppel", "coordinator and the pair"),
    ),
    "safety_watches": Purpose(
        (
            "toezichthouders: wanneer de bot om afmelden vroeg en wanneer zij \"Veilig klaar\" tikten",
            "inspectors: when the bot asked them to check out and when they tapped \"Veilig klaar\"",
        ),
        (
            "merken dat een koppel niet veilig is afgemeld. Alleen tikken en tijden: piket slaat nooit "
            "een locatie op en volgt geen telefoon",
            "noticing that a pair did not check out safely. Taps and times only: piket never stores a "
            "position and follows no phone",
        ),
        ("{days} dagen na de dienst gewist", "erased {days} days after the shift"),
        ("coördinator (bij een melding)", "coordinator (with an alert)"),
    ),
    "safety_check_ins": Purpose(
        (
            "toezichthouders: het tijdstip waarop één van het koppel \"We gaan naar binnen\" tikte",
            "inspectors: when one of the pair tapped \"We gaan naar binnen\"",
        ),
        (
            "weten sinds wanneer een koppel binnen is als er iets misgaat; geen adres, geen locatie",
            "knowing since when a pair is inside if something goes wrong; no address, no position",
        ),
        ("{days} dagen na de dienst gewist", "erased {days} days after the shift"),
        ("coördinator", "coordinator"),
    ),
    "safety_alerts": Purpose(
        (
            "toezichthouders: een gemiste afmelding, een alarm of een afmelding met het codewoord",
            "inspectors: a missed check-out, an alarm or a check-out with the code word",
        ),
        (
            "hulp organiseren (de coördinator, dan de back-up, dan iedereen); het aantal per gemeente "
            "voor de evaluatie, zonder namen",
            "getting help (the coordinator, then the back-up, then everyone); the count per municipality "
            "for the evaluation, without names",
        ),
        ("zolang piket draait, als het auditlog", "while piket runs, like the audit log"),
        (
            "coördinatoren en beheerders met een pikettelefoon; nooit de collega van wie alarm sloeg",
            "coordinators and admins with a burner phone; never the colleague of who raised the alarm",
        ),
    ),
    "duress_words": Purpose(
        (
            "toezichthouders: een eigen codewoord, alleen als sleutel-hash (HMAC); het woord zelf wordt "
            "nergens bewaard, ook niet in de chat",
            "inspectors: a private code word, only as a keyed hash (HMAC); the word itself is kept "
            "nowhere, not in the chat either",
        ),
        (
            "een afmelding onder dwang herkennen: op de telefoon een gewone afmelding, voor de "
            "coördinator een alarm",
            "recognising a check-out under duress: a normal check-out on the phone, an alarm for the "
            "coordinator",
        ),
        ("tot de toezichthouder het wist (/codewoord wis)",
         "until the inspector removes it (/codewoord wis)"),
        ("niemand: het kan alleen worden vergeleken", "nobody: it can only be compared"),
    ),
    "api_tokens": Purpose(
        (
            "geen personen bedoeld; de naam van een token is vrije tekst en kan er toch een noemen",
            "no persons intended; a token's name is free text and may name one all the same",
        ),
        ("zien waarvoor een token is gemaakt", "showing what a token was made for"),
        ("zolang het token bestaat", "while the token exists"),
        ("beheerder", "admin"),
    ),
}

NOTES = {
    "nl": (
        "Persoonsgegevens van sekswerkers worden niet vastgelegd. Namen, telefoonnummers, Telegram-id's, "
        "adressen, aantekeningen, redenen van correcties, besluitkenmerken, tokennamen en "
        "tweede-factorsleutels staan versleuteld in de database (AES-256-GCM per waarde, sleutels buiten de "
        "database). Koppelcodes gelden {hours} uur en worden alleen gehasht "
        "bewaard. Logbestanden bevatten geen namen, id's, plaatsen, codes of tokens. De veiligheid van het "
        "koppel (aanmelden, \"Veilig klaar\", alarm) werkt met tikken en tijden: piket slaat geen locatie "
        "op en volgt geen telefoon."
    ),
    "en": (
        "No personal data of sex workers is recorded. Names, phone numbers, Telegram ids, addresses, notes, "
        "correction reasons, decision references, token names and second-factor secrets are sealed in the "
        "database (AES-256-GCM per value, keys outside the database). Enrolment codes are valid {hours} "
        "hours and kept only as hashes. Logs hold no names, ids, places, codes or tokens. The pair's "
        "safety (checking in, \"Veilig klaar\", the alarm) works with taps and times: piket stores no "
        "position and follows no phone."
    ),
}


HEADINGS = (
    (
        "Register van verwerkingen: piket",
        "Tabel",
        "Van wie",
        "Waarom",
        "Bewaartermijn",
        "Wie ziet het",
        "Versleutelde velden",
        "Overige velden",
    ),
    (
        "Record of processing: piket",
        "Table",
        "Whose",
        "Why",
        "Retention",
        "Who can see it",
        "Sealed fields",
        "Other fields",
    ),
)


class Undescribed(Exception):
    """A sealed column whose table has no entry in PURPOSES."""


def sealed_columns() -> dict[str, list[tuple[str, str]]]:
    """Table to (column, description) for every sealed column of the model."""
    found: dict[str, list[tuple[str, str]]] = {}
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, EncryptedText):
                found.setdefault(table.name, []).append((column.name, column.doc or ""))
    return found


def _described_tables(sealed: dict[str, list[tuple[str, str]]]) -> dict[str, list[tuple[str, str]]]:
    """The tables with sealed columns, and those without any that still hold something derived from
    personal or sensitive data (a keyed hash), in the model's order."""
    return {t.name: sealed.get(t.name, []) for t in Base.metadata.sorted_tables
            if t.name in sealed or t.name in PURPOSES}


def _plain_columns(table: str) -> list[str]:
    sealed = {name for name, _ in sealed_columns().get(table, [])}
    return [c.name for c in Base.metadata.tables[table].columns if c.name not in sealed and c.name != "id"]


def _described(name: str, doc: str) -> str:
    return f"`{name}` ({doc})" if doc else f"`{name}`"


def register(settings: Settings, language: str = "nl") -> str:
    """The record of processing as Markdown, in Dutch or English."""
    columns = sealed_columns()
    missing = sorted(set(columns) - set(PURPOSES))
    if missing:
        where = "backend/services/privacy.py"
        raise Undescribed(f"sealed data without a purpose in {where}: " + ", ".join(missing))
    at = 0 if language == "nl" else 1
    heads = HEADINGS[at]
    hours = int(CODE_LIFETIME.total_seconds() // 3600)
    lines = [f"# {heads[0]}", "", NOTES[language].format(hours=hours), ""]
    for table, sealed in _described_tables(columns).items():
        purpose = PURPOSES[table]
        lines += [
            f"## {heads[1]} `{table}`",
            "",
            f"- **{heads[2]}:** {purpose.subjects[at]}",
            f"- **{heads[3]}:** {purpose.why[at]}",
            f"- **{heads[4]}:** "
            + purpose.retention[at].format(days=settings.retention_days,
                                           reason_days=settings.reason_retention_days),
            f"- **{heads[5]}:** {purpose.seen_by[at]}",
            f"- **{heads[6]}:** " + ("; ".join(_described(name, doc) for name, doc in sealed) or "-"),
            f"- **{heads[7]}:** " + ", ".join(f"`{name}`" for name in _plain_columns(table)),
            "",
        ]
    return "\n".join(lines)
