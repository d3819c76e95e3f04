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
