"""Figures for the case list: time and SQL statements per request of ``/faelle``.

Run: ``.venv/bin/python bench/case_list.py`` (``--cases N`` for the Fachkraft's own cases,
default 300; ``--total N`` to fill the database with N cases overall, e.g. 10000, the rest
spread over other Fachkräfte). Works on a temporary SQLite file (write-ahead log, as
shipped). Every figure is printed with a baseline measured in the same process — the same
Fachkraft's list while she has no case yet — so the ratio, not the absolute number, is what
to compare. Target: a Fachkraft with 300 cases gets the page in under 100 ms.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bench.common import (  # noqa: E402
    ASD,
    family,
    institution_named,
    make_account,
    make_app,
    measure,
    signed_in,
)
from fallteam.auth.models import User  # noqa: E402
from fallteam.cases import operations as cases  # noqa: E402
from fallteam.consent import operations as consents  # noqa: E402
from fallteam.extensions import db  # noqa: E402


def fill(app, owner_id, count: int, *, with_consent: bool, batch: int = 100) -> None:
    """``count`` cases of ``owner_id`` with a family of four (and a consent in force)."""
    today = date.today()
    made = 0
    while made < count:
        with app.app_context():
            owner = db.session.get(User, owner_id)
            jobcenter = str(institution_named("Jobcenter/MAIA").id)
            for _ in range(min(batch, count - made)):
                case = cases.register_case(
                    owner,
                    category="hze",
                    child_protection=made % 7 == 0,
                    file_number=f"AZ-{made:05d}",
                    members=family(made),
                )
                if with_consent:
                    consents.record_consent(
                        case,
                        consents.ConsentData(
                            grantor=case.members[0],
                            grantor_capacity="sorgeberechtigt",
                            recipients=[{"type": "institution", "value": jobcenter}],
                            purposes=["fallberatung"],
                            data_categories=["identity"],
                            valid_from=today - timedelta(days=30),
                            valid_until=today + timedelta(days=10 + made % 60),
                            form="schriftlich",
                        ),
                        actor=owner,
                    )
                made += 1
            db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300, help="the Fachkraft's own cases")
    parser.add_argument("--total", type=int, default=0, help="cases overall (e.g. 10000)")
    parser.add_argument("--repeat", type=int, default=30, help="requests per figure")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        app = make_app(Path(workdir))
        owner_id, secret = make_account(app, "fachkraft", ["fachkraft"], ASD)
        client = signed_in(app, "fachkraft", secret)

        print(f"Fallliste /faelle, SQLite (WAL), {args.repeat} Anfragen je Messung")
        print(f"{'Seite':<44}{'Median':>10}{'p95':>10}{'Anweisungen':>13}{'× Basis':>10}")
        base_ms, base_p95, base_sql = measure(app, client, "/faelle", args.repeat)
        print(f"{'Basis: leere Liste':<44}{base_ms:>8.1f}ms{base_p95:>8.1f}ms{base_sql:>13}")

        started = time.perf_counter()
        fill(app, owner_id, args.cases, with_consent=True)
        others = max(0, args.total - args.cases)
        colleagues = 0
        while others > 0:
            colleagues += 1
            other_id, _ = make_account(app, f"kollegin{colleagues}", ["fachkraft"], ASD)
            share = min(others, 300)
            fill(app, other_id, share, with_consent=False)
            others -= share
        total = args.cases + max(0, args.total - args.cases)
        print(f"({total} Fälle erzeugt in {time.perf_counter() - started:.0f} s)")

        pages = -(-args.cases // 25)
        for label, url in [
            (f"{args.cases} eigene Fälle, Seite 1", "/faelle"),
            (f"{args.cases} eigene Fälle, neueste zuerst", "/faelle?sortierung=newest"),
            (f"{args.cases} eigene Fälle, letzte Seite", f"/faelle?seite={pages}"),
            ("Startseite", "/"),
        ]:
            ms, p95, sql = measure(app, client, url, args.repeat)
            print(f"{label:<44}{ms:>8.1f}ms{p95:>8.1f}ms{sql:>13}{ms / base_ms:>9.1f}×")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
