"""Figures for the DPO's workspace: audit search and per-case report at 1,000,000 events.

Run: ``.venv/bin/python bench/dpo.py`` (``--cases 10000 --events 1000000`` by default;
``--quick`` for 1,000 cases and 100,000 events). SQLite (a temporary file, write-ahead log as
shipped) always; PostgreSQL too when ``FALLTEAM_TEST_POSTGRES_URL`` names a server (a fresh
database is created there and dropped afterwards).

Each page is measured twice in the same process: first with the cases and a small log
(``--baseline-events``, the baseline), then with the full log; the ratio shows whether the
page grows with the log (it must not: the indexes carry the filters). The query plan of every
filtered search is printed and checked for an index. Also measured: the anomaly list, the
disclosure decisions and a person's activity (5 % of the seeded changes are disclosures).
Target of issue 11: every page answers in under 1 s (p95) at 1,000,000 events and 10,000
cases.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from datetime import date, timedelta
from html import unescape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from bench.common import (  # noqa: E402
    ASD,
    family,
    make_account,
    make_app,
    measure,
    postgres_database,
    seed_events,
    signed_in,
)
from fallteam.auth.models import User  # noqa: E402
from fallteam.cases import operations as cases  # noqa: E402
from fallteam.cases.models import Case  # noqa: E402
from fallteam.dpo.operations import roll_up_case_report  # noqa: E402
from fallteam.dpo.queries.case_report import report_inputs  # noqa: E402
from fallteam.dpo.queries.search import AuditFilter, explain_search  # noqa: E402
from fallteam.extensions import db  # noqa: E402


def seed_people(app, owners: int, members: int) -> dict[str, list]:
    """Accounts: the DPO, Fachkräfte who own the cases, members who read them."""
    people: dict[str, list] = {"dpo": [make_account(app, "dsb", ["dpo"])]}
    people["owners"] = [
        make_account(app, f"fachkraft{i}", ["fachkraft", "member"], ASD) for i in range(owners)
    ]
    people["members"] = [make_account(app, f"mitglied{i}", ["member"], ASD) for i in range(members)]
    return people


def seed_cases(app, owner_ids: list, count: int) -> list[tuple]:
    """``count`` cases with a family, spread over the owners, through the app's own
    operation (encrypted fields, data keys, audit events); returns (id, pseudonym)."""
    made = 0
    while made < count:
        with app.app_context():
            owners = [db.session.get(User, i) for i in owner_ids]
            for _ in range(min(200, count - made)):
                cases.register_case(
                    owners[made % len(owners)],
                    category=["hze", "sgb2", "sonstige"][made % 3],
                    child_protection=False,
                    file_number=f"AZ-{made:06d}",
                    members=family(made, size=2),
                )
                made += 1
            db.session.commit()
    with app.app_context():
        return [tuple(row) for row in db.session.execute(select(Case.id, Case.pseudonym))]


def pages(typical: str, hot: str, actor_id, since: date) -> list[tuple[str, str]]:
    """The pages measured: (label, URL)."""
    return [
        ("Suche: ungefiltert, Seite 1", "/datenschutz/protokoll"),
        (f"Suche: Fall {typical}", f"/datenschutz/protokoll?pseudonym={typical}"),
        (f"Suche: Fall {hot} (5 % des Logs)", f"/datenschutz/protokoll?pseudonym={hot}"),
        ("Suche: Person + Monat", f"/datenschutz/protokoll?actor={actor_id}&since={since}"),
        ("Suche: nur Verweigerungen", "/datenschutz/protokoll?outcome=denied"),
        ("Suche: Lesen durch Einwilligung", "/datenschutz/protokoll?consent_reads=1"),
        (f"Zugriffsbericht Fall {typical}", f"/datenschutz/faelle/{typical}"),
        (f"Zugriffsbericht Fall {hot}", f"/datenschutz/faelle/{hot}"),
        ("Auffälligkeiten (30 Tage)", "/datenschutz/auffaelligkeiten"),
        ("Offenlegungen", "/datenschutz/offenlegungen"),
        ("Offenlegungen: eine Art", "/datenschutz/offenlegungen?art=guard_release"),
        (f"Offenlegungen Fall {hot}", f"/datenschutz/offenlegungen?pseudonym={hot}"),
        ("Aktivität einer Person (30 Tage)", f"/datenschutz/personen/{actor_id}"),
        (
            "Aktivität einer Person (1 Jahr)",
            f"/datenschutz/personen/{actor_id}?since={since - timedelta(days=335)}",
        ),
    ]


def roll_up_ms(app, pseudonym: str) -> float:
    """How long building a case's report roll-up anew from its events takes (what the first
    look after a change of its sessions costs once)."""
    with app.app_context():
        started = time.perf_counter()
        roll_up_case_report(report_inputs(pseudonym), rebuild=True)
        db.session.commit()
        return (time.perf_counter() - started) * 1000


def next_page(client, url: str, hops: int) -> str:
    """Follow the search's "weiter" link ``hops`` times: a deep page of the result."""
    for _ in range(hops):
        html = client.get(url).get_data(as_text=True)
        found = re.search(r'<a[^>]*href="([^"]+)"[^>]*rel="next"', html) or re.search(
            r'rel="next"[^>]*href="([^"]+)"', html
        )
        if not found:
            break
        url = unescape(found.group(1))
    return url


def show_plans(app, filters: list[tuple[str, AuditFilter]]) -> None:
    print("  Abfragepläne der Suche (Index genutzt?)")
    with app.app_context():
        for label, audit_filter in filters:
            plan = explain_search(audit_filter)
            indexed = bool(re.search(r"USING (COVERING )?INDEX|Index (Only )?Scan", plan))
            first = " | ".join(line.strip() for line in plan.splitlines()[:3])
            print(f"    {'ja  ' if indexed else 'NEIN'} {label:<30} {first[:110]}")


def run(label: str, app, args) -> None:
    print(f"\n== {label}: {args.cases:,} Fälle, {args.events:,} Audit-Ereignisse ==")
    started = time.perf_counter()
    people = seed_people(app, owners=40, members=60)
    owner_ids = [i for i, _ in people["owners"]]
    case_rows = seed_cases(app, owner_ids, args.cases)
    print(f"  {args.cases:,} Fälle angelegt in {time.perf_counter() - started:.0f} s")
    actors = [(i, "fachkraft,member") for i in owner_ids] + [
        (i, "member") for i, _ in people["members"]
    ]
    typical, hot = case_rows[len(case_rows) // 2], case_rows[1]
    dpo_id, dpo_secret = people["dpo"][0]
    client = signed_in(app, "dsb", dpo_secret)
    since = date.today() - timedelta(days=30)
    urls = pages(typical[1], hot[1], actors[0][0], since)

    seconds = seed_events(app, args.baseline_events, actors, case_rows, hot)
    baseline = {url: measure(app, client, url, args.repeat) for _, url in urls}
    seconds = seed_events(app, args.events - args.baseline_events, actors, case_rows, hot)
    rate = (args.events - args.baseline_events) / seconds
    print(f"  Log auf {args.events:,} Ereignisse gefüllt in {seconds:.0f} s ({rate:,.0f}/s)")

    deep = next_page(client, "/datenschutz/protokoll?outcome=denied", 20)
    urls.append(("Suche: nur Verweigerungen, Seite 21", deep))
    print(
        f"  {'Seite':<44}{'Median':>10}{'p95':>10}{'Anw.':>6}"
        f"{'Basis-Median':>14}{'× Basis':>9}  (Basis: {args.baseline_events:,} Ereignisse)"
    )
    worst = 0.0
    for name, url in urls:
        ms, p95, sql = measure(app, client, url, args.repeat)
        base = baseline.get(url)
        ratio = f"{ms / base[0]:>8.2f}×" if base else f"{'–':>9}"
        base_ms = f"{base[0]:>12.1f}ms" if base else f"{'–':>14}"
        print(f"  {name:<44}{ms:>8.1f}ms{p95:>8.1f}ms{sql:>6}{base_ms}{ratio}")
        worst = max(worst, p95)
    verdict = "erreicht" if worst < 1000 else "VERFEHLT"
    print(f"  langsamste Seite p95 {worst:.0f} ms – Ziel < 1000 ms {verdict}")
    rebuilt = roll_up_ms(app, hot[1])
    print(
        f"  Zugriffsbericht Fall {hot[1]}: Verdichtung neu aufbauen {rebuilt:.0f} ms (einmal je "
        "Änderung der Sitzungen oder Fallführung; die Seiten oben lesen die Verdichtung und "
        "zählen nur neuere Ereignisse dazu)"
    )
    show_plans(
        app,
        [
            ("Fall", AuditFilter(pseudonym=typical[1])),
            ("Person + Monat", AuditFilter(actor_id=actors[0][0], since=since)),
            ("nur Verweigerungen", AuditFilter(denied_only=True)),
            ("Lesen durch Einwilligung", AuditFilter(consent_reads=True)),
            ("Aktion Export", AuditFilter(action="export")),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--baseline-events", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=10, help="requests per figure")
    parser.add_argument("--quick", action="store_true", help="1,000 cases, 100,000 events")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.cases, args.events = 1_000, 100_000
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_sqlite:
            app = make_app(Path(tmp) / "sqlite", AUDIT_CHECKPOINT_EVERY=100_000)
            run("SQLite", app, args)
            with app.app_context():
                db.engine.dispose()
        url, drop = postgres_database()
        if url:
            try:
                app = make_app(Path(tmp) / "pg", url, AUDIT_CHECKPOINT_EVERY=100_000)
                run("PostgreSQL", app, args)
                with app.app_context():
                    db.engine.dispose()
            finally:
                drop()
    print(f"\nGesamtdauer {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
