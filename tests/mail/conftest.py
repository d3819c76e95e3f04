"""A real SMTP server on 127.0.0.1 (aiosmtpd), a closed port for a server that is down, and a
sample session whose case has a pseudonym, a family name and a question that no mail may
carry."""

from __future__ import annotations

import email
import email.policy
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar

from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem
from tests.conftest import PRESENTATION, QUESTION, family_of_four


def free_port() -> int:
    """A port nothing listens on (right now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Collector:
    """aiosmtpd handler that keeps what it receives; refuses the addresses in ``refuse``."""

    envelopes: list = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 <" + address + ">: Recipient address rejected"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        """Every received message, parsed."""
        return [
            email.message_from_bytes(e.original_content, policy=email.policy.default)
            for e in self.envelopes
        ]

    def to(self, address: str) -> list[EmailMessage]:
        """The messages whose envelope went to ``address``."""
        return [
            email.message_from_bytes(e.original_content, policy=email.policy.default)
            for e in self.envelopes
            if address in e.rcpt_tos
        ]


@pytest.fixture
def smtp_server(app) -> Iterator[Collector]:
    """A local SMTP server the application sends to during this test."""
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_TIMEOUT=5)
    try:
        yield handler
    finally:
        app.config.update(saved)
        controller.stop()


@pytest.fixture
def smtp_down(app) -> Iterator[int]:
    """The configured mail server refuses connections (a closed port)."""
    port = free_port()
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=2)
    try:
        yield port
    finally:
        app.config.update(saved)


def calendar_of(message: EmailMessage) -> tuple[Calendar, EmailMessage]:
    """The iCalendar attachment of a message, parsed, and its MIME part."""
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, "exactly one calendar part expected"
    return Calendar.from_ical(parts[0].get_content()), parts[0]


def decoded_text(message: EmailMessage, raw: bytes | None = None) -> str:
    """Headers and every part of a message, decoded, plus the raw bytes: everything a
    reader (or a mail server's log) could see."""
    pieces = [str(v) for _, v in message.items()]
    for part in message.walk():
        pieces += [str(v) for _, v in part.items()]
        if not part.is_multipart():
            payload = part.get_payload(decode=True) or b""
            pieces.append(payload.decode("utf-8", "replace"))
    if raw is not None:
        pieces.append(raw.decode("utf-8", "replace"))
    return "\n".join(pieces)


#: what no mail and no calendar may contain: the case's identity and its texts
def forbidden_words(pseudonym: str) -> list[str]:
    """The pseudonym, every name and address of the standard family, question, presentation,
    the method and the document's name."""
    words = [pseudonym, QUESTION, PRESENTATION, "Kollegiale Beratung", "kollegiale_beratung"]
    words += ["ressourcen.pdf", "Gisela"]
    for member in family_of_four():
        words += [member.first_name, member.last_name, member.address.split(",")[0]]
    # parts of the texts, in case a line break split them
    words += [QUESTION[:30], PRESENTATION[:30], "Übergang von Kind 1"]
    return words


def assert_no_case_data(text: str, pseudonym: str) -> None:
    """None of the case's data appears in ``text``."""
    leaked = [w for w in forbidden_words(pseudonym) if w.casefold() in text.casefold()]
    assert leaked == [], f"case data in a mail or calendar: {leaked}"


@dataclass
class MailScene:
    """A team with members, a session a week ahead with one registered case (pseudonym,
    family names, question) and one guest not yet invited."""

    meeting_id: uuid.UUID
    item_id: uuid.UUID
    guest_id: uuid.UUID
    pseudonym: str
    moderator: object
    member: object
    presenter: object
    guest: object


@pytest.fixture
def scene(app, create_account, create_case, create_team, create_meeting) -> MailScene:
    """The sample session for the mail tests (see ``MailScene``)."""
    presenter = create_account(["fachkraft", "member"])
    moderator = create_account(["member"])
    member = create_account(["member"])
    guest = create_account(["guest"])
    case = create_case(presenter)
    team_id, _ = create_team(
        [(moderator, "permanent"), (member, "permanent"), (presenter, "permanent")]
    )
    session = create_meeting(team_id, case, moderator=moderator, guests=[guest], invited=False)
    return MailScene(
        session.meeting_id,
        session.item_id,
        session.guest_ids[0],
        case.pseudonym,
        moderator,
        member,
        presenter,
        guest,
    )


def address_of(account) -> str:
    """The e-mail address the test accounts get."""
    return f"{account.username}@example.org"


def item_question(app, item_id) -> str:
    """The item's question as stored (decrypted), to be sure the scene carries one."""
    with app.app_context():
        return db.session.get(AgendaItem, item_id).question
