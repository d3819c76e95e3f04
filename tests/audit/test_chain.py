"""The chain catches every change, deletion, insertion and reordering, and never cries wolf."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from fallteam.audit import chain

KEY = secrets.token_bytes(32)
BASE_TIME = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

events = st.fixed_dictionaries(
    {
        "actor_id": st.one_of(st.none(), st.uuids()),
        "actor_roles": st.sampled_from(["", "fachkraft", "member,fachkraft", "dpo"]),
        "action": st.sampled_from(["read", "sign_in", "refuse", "export", "update"]),
        "object_type": st.one_of(st.none(), st.sampled_from(["case", "user", "consent"])),
        "object_id": st.one_of(st.none(), st.uuids().map(str)),
        "case_pseudonym": st.one_of(st.none(), st.from_regex(r"FT-2026-\d{4}", fullmatch=True)),
        "purpose": st.one_of(st.none(), st.sampled_from(["Fallberatung", "case.read_identity"])),
        "outcome": st.sampled_from(["allowed", "denied"]),
        "request_id": st.one_of(st.none(), st.uuids().map(lambda u: u.hex)),
        "client_address": st.sampled_from(["127.0.0.1", "10.1.2.3", None]),
        "details": st.sampled_from(["{}", '{"reason":"password"}', '{"count":3}']),
    }
)


def build_chain(specs: list[dict]) -> tuple[list[list], bytes]:
    """Rows (fields + mac) as the database holds them, and the head mac."""
    rows, mac = [], chain.GENESIS_MAC
    for seq, spec in enumerate(specs, start=1):
        row = [seq, BASE_TIME + timedelta(seconds=seq)]
        row += [spec[name] for name in chain.CHAIN_FIELDS[2:]]
        mac = chain.next_mac(KEY, mac, row)
        rows.append([*row, mac])
    return rows, mac


def verify(rows, head_seq, head_mac) -> chain.SegmentResult:
    """Verify rows as the verifier reads them: (seq, canonical text, mac)."""
    triples = [(r[0], chain.canonical(r[:-1]), r[-1]) for r in rows]
    return chain.verify_run(KEY, triples, (0, chain.GENESIS_MAC), (head_seq, head_mac))


MUTABLE_FIELDS = range(1, len(chain.CHAIN_FIELDS))


@settings(max_examples=300, deadline=None)
@given(st.lists(events, min_size=1, max_size=30), st.data())
def test_every_single_tampering_is_caught(specs, data):
    rows, head = build_chain(specs)
    kind = data.draw(st.sampled_from(["change", "delete", "insert", "reorder", "truncate"]))
    tampered = [list(r) for r in rows]
    if kind == "change":
        i = data.draw(st.integers(0, len(rows) - 1))
        field = data.draw(st.sampled_from(list(MUTABLE_FIELDS)))
        replacement = {
            1: BASE_TIME - timedelta(days=1),
            2: uuid.uuid4(),
        }.get(field, data.draw(st.text(min_size=1, max_size=10).filter(lambda t: "\x1f" not in t)))
        if tampered[i][field] == replacement:
            return
        tampered[i][field] = replacement
    elif kind == "delete":
        del tampered[data.draw(st.integers(0, len(rows) - 1))]
    elif kind == "insert":
        i = data.draw(st.integers(0, len(rows)))
        forged = [
            i + 1,
            BASE_TIME,
            None,
            "",
            "read",
            "case",
            "x",
            None,
            None,
            "allowed",
            None,
            None,
            "{}",
            secrets.token_bytes(32),
        ]
        tampered.insert(i, forged)
        for seq, row in enumerate(tampered, start=1):
            row[0] = seq
    elif kind == "reorder":
        # Two events trade places: each keeps its content and mac, the sequence runs on.
        if len(rows) < 2:
            return
        i, j = data.draw(
            st.lists(st.integers(0, len(rows) - 1), min_size=2, max_size=2, unique=True)
        )
        if rows[i][1:] == rows[j][1:]:
            return
        tampered[i][1:], tampered[j][1:] = rows[j][1:], rows[i][1:]
    else:
        del tampered[-1]
    result = verify(tampered, len(rows), head)
    assert result.first_broken_seq is not None, kind


@settings(max_examples=200, deadline=None)
@given(st.lists(events, max_size=40))
def test_an_intact_chain_raises_no_alarm(specs):
    rows, head = build_chain(specs)
    result = verify(rows, len(rows), head)
    assert result.first_broken_seq is None
    assert result.count == len(rows)


def test_the_first_broken_event_is_named():
    rows, head = build_chain(
        [
            {name: None for name in chain.CHAIN_FIELDS[2:]}
            | {"actor_roles": "", "action": "read", "outcome": "allowed", "details": "{}"}
            for _ in range(10)
        ]
    )
    rows[6][4] = "export"
    assert verify(rows, 10, head).first_broken_seq == 7


def test_checkpoint_signatures_verify_only_for_the_signed_statement():
    private = secrets.token_bytes(32)
    public = chain.public_key_of(private)
    mac = secrets.token_bytes(32)
    signature = chain.sign_checkpoint(private, 42, mac, BASE_TIME)
    assert chain.checkpoint_signature_valid(public, 42, mac, BASE_TIME, signature)
    assert not chain.checkpoint_signature_valid(public, 43, mac, BASE_TIME, signature)
    assert not chain.checkpoint_signature_valid(public, 42, bytes(32), BASE_TIME, signature)
    other = chain.public_key_of(secrets.token_bytes(32))
    assert not chain.checkpoint_signature_valid(other, 42, mac, BASE_TIME, signature)
