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
    institution: str = "asd"


DEMO_USERS = (
    DemoUser(
        "fachkraft",
        "Fr. Demir (ASD)",
        "fachkraft@example.org",
        ("fachkraft", "member"),
        "Demo-Fachkraft-Passwort",
    ),
    DemoUser(
        "mitglied",
        "Hr. Albers (Jugendarbeit)",
        "mitglied@example.org",
        ("member",),
        "Demo-Mitglied-Passwort",
    ),
    DemoUser(
        "gast", "Fr. Okafor (Jobcenter)", "gast@example.org", ("guest",), "Demo-Gast-Passwort"
    ),
    DemoUser(
        "dsb", "Hr. Brandt (Datenschutz)", "dsb@example.org", ("dpo",), "Demo-Datenschutz-Passwort"
    ),
    DemoUser("admin", "Fr. Lindner (IT)", "admin@example.org", ("admin",), "Demo-Admin-Passwort"),
)


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
