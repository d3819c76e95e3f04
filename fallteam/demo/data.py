"""The demo instance's accounts: one per role. Demo only; never loaded in production."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoUser:
    """An account of the demo instance with its published password."""

    username: str
    display_name: str
    email: str
    roles: tuple[str, ...]
    password: str
    #: name of a seeded institution (None: administration and data protection, who see no
    #: case content)
    institution: str | None = "Allgemeiner Sozialer Dienst (ASD)"


DEMO_USERS = (
    DemoUser(
        "fachkraft",
        "Fr. Demir (ASD)",
        "fachkraft@example.org",
        ("fachkraft", "member"),
        "Demo-Ahornblatt-Laterne",
    ),
    DemoUser(
        "mitglied",
        "Hr. Albers (Jugendarbeit)",
        "mitglied@example.org",
        ("member",),
        "Demo-Kiesweg-Mondlicht",
        "Jugendarbeit",
    ),
    DemoUser(
        "gast",
        "Fr. Okafor (Jobcenter)",
        "gast@example.org",
        ("guest",),
        "Demo-Birkenrinde-Posaune",
        "Jobcenter/MAIA",
    ),
    DemoUser(
        "dsb",
        "Hr. Brandt (Datenschutz)",
        "dsb@example.org",
        ("dpo",),
        "Demo-Regenjacke-Zimt",
        None,
    ),
    DemoUser(
        "admin", "Fr. Lindner (IT)", "admin@example.org", ("admin",), "Demo-Holzbrücke-Nebel", None
    ),
    DemoUser(
        "yilmaz",
        "Hr. Yilmaz (ASD)",
        "yilmaz@example.org",
        ("fachkraft", "member"),
        "Demo-Schilfrohr-Kompass",
    ),
    DemoUser(
        "schulte",
        "Fr. Schulte (Wirtschaftliche Jugendhilfe)",
        "schulte@example.org",
        ("member",),
        "Demo-Quittengelee-Segel",
        "Wirtschaftliche Jugendhilfe",
    ),
    DemoUser(
        "nowak",
        "Fr. Nowak (Pflegekinderdienst)",
        "nowak@example.org",
        ("member",),
        "Demo-Pfefferminz-Anker",
        "Pflegekinderdienst",
    ),
    DemoUser(
        "krueger",
        "Hr. Krüger (Eingliederungshilfe)",
        "krueger@example.org",
        ("member",),
        "Demo-Uhrwerk-Kastanie",
        "Eingliederungshilfe (§ 35a SGB VIII / SGB IX)",
    ),
)

#: The demo Fallteam: six permanent members (sign-in names), the first moderates next week.
DEMO_TEAM = "Fallteam Teltow"
DEMO_TEAM_MEMBERS = ("mitglied", "fachkraft", "yilmaz", "schulte", "nowak", "krueger")


#: The demo family (invented): what the Fachkraft sees; the team sees role labels only.
DEMO_FAMILY = (
    # role, sex, first name, surname, birth date, address, in household, index child
    (
        "Mutter",
        "f",
        "Katrin",
        "Hollerbach",
        "1989-07-23",
        "Fliederweg 12, 14532 Stahnsdorf",
        True,
        False,
    ),
    (
        "Vater",
        "m",
        "Dennis",
        "Hollerbach",
        "1986-01-30",
        "Am Bahnhof 5, 14480 Potsdam",
        False,
        False,
    ),
    ("Kind", "f", "Mia", "Hollerbach", "2017-10-02", "Fliederweg 12, 14532 Stahnsdorf", True, True),
    (
        "Kind",
        "m",
        "Paul",
        "Hollerbach",
        "2020-04-15",
        "Fliederweg 12, 14532 Stahnsdorf",
        True,
        False,
    ),
)
DEMO_FILE_NUMBER = "51.2-HzE-2026/0137"
DEMO_BACKGROUND = (
    "Die Mutter hat sich selbst an den ASD gewandt. Seit der Trennung vor einem Jahr lebt sie "
    "mit beiden Kindern allein; Kind 1 fehlt häufig in der Schule und zieht sich zurück. Der "
    "Vater hat wenig Kontakt, möchte ihn aber ausbauen. Die Großmutter mütterlicherseits "
    "unterstützt regelmäßig."
)

#: Two more invented families of Hr. Yilmaz for next week's agenda:
#: (category, members as in DEMO_FAMILY, method, minutes, question, presentation)
DEMO_MORE_CASES = (
    (
        "sgb2",
        (
            (
                "Mutter",
                "f",
                "Jana",
                "Sommerfeld",
                "1994-03-11",
                "Ahornstraße 3, 14513 Teltow",
                True,
                False,
            ),
            (
                "Kind",
                "m",
                "Luca",
                "Sommerfeld",
                "2012-09-01",
                "Ahornstraße 3, 14513 Teltow",
                True,
                True,
            ),
        ),
        "perspektivwechsel",
        40,
        "Wie erreichen wir Kind 1, das seit Wochen nicht mehr zur Schule geht?",
        "Die Mutter bezieht Bürgergeld und arbeitet nachts. Kind 1 (14) verbringt die Tage "
        "zu Hause vor dem Computer; die Schule hat ein Bußgeldverfahren angekündigt.",
    ),
    (
        "eingliederungshilfe",
        (
            (
                "Vater",
                "m",
                "Marek",
                "Brenneke",
                "1979-12-05",
                "Lindenstraße 40, 14532 Kleinmachnow",
                True,
                False,
            ),
            (
                "Kind",
                "f",
                "Emilia",
                "Brenneke",
                "2015-05-20",
                "Lindenstraße 40, 14532 Kleinmachnow",
                True,
                True,
            ),
        ),
        "familienaufstellung",
        50,
        "Welche Hilfe entlastet den Vater und gibt Kind 1 verlässliche Abläufe?",
        "Der alleinerziehende Vater ist erschöpft. Kind 1 (11) braucht feste Abläufe; die "
        "Schulbegleitung endet zum Halbjahr.",
    ),
)
#: What the demo Fachkraft asks the team about the first demo family.
DEMO_QUESTION = "Wie kann die Mutter Kind 1 beim regelmäßigen Schulbesuch unterstützen?"
DEMO_PRESENTATION = (
    "Seit der Trennung lebt die Mutter mit beiden Kindern allein. Kind 1 (9) fehlt häufig in "
    "der Schule; die Großmutter hilft, ist aber selbst gesundheitlich eingeschränkt. Der Vater "
    "möchte mehr Kontakt."
)

#: A third invented family of Hr. Yilmaz, discussed in last week's session; its Wiedervorlage
#: brings it back next week.
DEMO_PAST_FAMILY = (
    ("Mutter", "f", "Sandra", "Kessler", "1991-02-14", "Birkenweg 7, 14513 Teltow", True, False),
    ("Kind", "m", "Jonas", "Kessler", "2016-06-03", "Birkenweg 7, 14513 Teltow", True, True),
)
DEMO_PAST_QUESTION = "Welche Unterstützung braucht die Mutter, damit Kind 1 zur Ruhe kommt?"
DEMO_PAST_PRESENTATION = (
    "Die Mutter ist nach einem Umzug neu im Sozialraum und kennt kaum jemanden. Kind 1 (10) "
    "zeigt in der Schule Unruhe; die Klassenlehrerin hat um ein Gespräch gebeten."
)

#: The Fallprotokolle of last week's session, by the family's surname (kollegiale Beratung).
DEMO_PAST_PROTOCOLS = {
    "Hollerbach": {
        "falldarstellung": "Die Mutter lebt seit der Trennung mit beiden Kindern allein. "
        "Bisherige Hilfe: zwei Gespräche in der Erziehungsberatungsstelle.",
        "genogramm": "Genogramm und Ressourcenkarte lagen vor; starke Ressource ist die "
        "Großmutter mütterlicherseits, die Schule wird als belastet erlebt.",
        "fragestellung": "Wie kann die Mutter Kind 1 beim regelmäßigen Schulbesuch unterstützen?",
        "verstaendnisfragen": "Seit wann fehlt Kind 1? Seit etwa drei Monaten, vor allem "
        "montags. Wie erlebt Kind 1 die Besuche beim Vater? Eher gut.",
        "ideenboerse": "Schulsozialarbeit einbeziehen; offene Nachmittagsgruppe im "
        "Familienzentrum; Elterncafé der Grundschule; Patenschaftsprojekt im Sozialraum.",
        "hypothesen": "Kind 1 bleibt zu Hause, um die Mutter nicht allein zu lassen. Die "
        "Montage fallen nach den Wochenenden beim Vater schwer.",
        "hilfesetting": "Gespräch mit Mutter und Schulsozialarbeit; Vater in die "
        "Absprachen zum Wochenende einbeziehen.",
        "empfehlung": "Die fallführende Fachkraft prüft mit der Mutter eine "
        "Erziehungsbeistandschaft und lädt die Schulsozialarbeit zum nächsten Gespräch ein.",
    },
    "Kessler": {
        "falldarstellung": "Die Mutter ist vor einem halben Jahr mit Kind 1 zugezogen. "
        "Bisherige Hilfe: keine.",
        "genogramm": "Kaum Ressourcen im neuen Wohnort; Kontakt zu einer Freundin am "
        "früheren Wohnort.",
        "fragestellung": "Welche Unterstützung braucht die Mutter, damit Kind 1 zur Ruhe kommt?",
        "verstaendnisfragen": "Gibt es einen Hortplatz? Nein, die Anmeldung läuft.",
        "ideenboerse": "Familienzentrum Teltow; Sportverein mit Kinderturnen; "
        "Mütterfrühstück der Kirchengemeinde.",
        "hypothesen": "Die Unruhe von Kind 1 hängt mit dem Umzug und dem fehlenden "
        "Freundeskreis zusammen.",
        "hilfesetting": "Anbindung an das Familienzentrum; Gespräch mit der Schule.",
        "empfehlung": "Die fallführende Fachkraft begleitet die Anbindung an das "
        "Familienzentrum und legt den Fall nach dem Gespräch mit der Schule wieder vor.",
    },
}
#: An addendum to the first demo family's protocol, after it was finalised.
DEMO_ADDENDUM = (
    "Ergänzung: Die Schulsozialarbeit hat die Teilnahme am nächsten Gespräch zugesagt.",
    "Nachricht der Schulsozialarbeit nach der Sitzung",
)
#: What the Wiedervorlage of the third family asks the team to look at again.
DEMO_RESUBMISSION_TOPIC = (
    "Hat die Anbindung an das Familienzentrum begonnen? Ergebnis des Schulgesprächs."
)
#: A topic without a case in last week's session, for the Regionalteam.
DEMO_REGIONAL_TOPIC = (
    "Wartezeiten der Erziehungsberatungsstelle",
    "Mehrere Familien warten über acht Wochen auf einen Termin; Thema für das Regionalteam.",
)
#: The moderator's notes in last week's Teamprotokoll (no family named).
DEMO_TEAM_NOTES = "Beginn 9:05 Uhr. Die nächste Moderation übernimmt laut Plan Fr. Demir."
DEMO_TOPIC_NOTES = "Fr. Schulte bringt die Wartezeiten in das Regionalteam am Monatsende ein."

#: a family whose case (sonstiger Fall) Hr. Yilmaz closed six years ago: past its deletion
#: date (closing day plus five years), so ``flask retention run --dry-run`` lists it
DEMO_CLOSED_FAMILY = (
    ("Vater", "m", "Rüdiger", "Brandt", "1979-10-02", "Am Hafen 3, 14542 Werder", True, False),
    ("Kind", "f", "Nele", "Brandt", "2009-04-17", "Am Hafen 3, 14542 Werder", True, True),
)
#: how long ago the demo's closed case was closed
DEMO_CLOSED_YEARS_AGO = 6
