"""Each case and document gets its retention class and deletion date: § 9b cases the young
person's 100th birthday (index person, else the youngest child), others the closing day
plus the configured years; only the date is stored, never a birth date."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from fallteam.cases import operations as cases
from fallteam.cases.models import Case
from fallteam.extensions import db
from fallteam.retention import rules
from tests.conftest import family_of_four
from tests.retention.conftest import close, register


def test_29_february_plus_years_is_28_february_in_a_common_year():
    assert rules.add_years(date(2020, 2, 29), 5) == date(2025, 2, 28)
    assert rules.add_years(date(2020, 2, 29), 100) == date(2120, 2, 29)


def test_the_young_person_is_the_index_person_else_the_youngest_child():
    mother = rules.Person(date(1988, 5, 14))
    older = rules.Person(date(2015, 9, 21), is_child=True)
    younger = rules.Person(date(2018, 3, 4), is_child=True)
    assert rules.young_person_born([mother, older, younger]) == date(2018, 3, 4)
    index = rules.Person(date(2015, 9, 21), is_index=True, is_child=True)
    assert rules.young_person_born([mother, index, younger]) == date(2015, 9, 21)
    assert rules.young_person_born([mother]) is None


def test_every_category_has_a_class_with_a_legal_basis():
    from fallteam.cases.models import CaseCategory

    for category in CaseCategory:
        item = rules.class_for_case_category(category)
        assert item.legal_basis and item.basis in ("birthday", "closed")


def test_a_9b_case_follows_the_index_child_and_changes_with_the_family(app, owner):
    case_id = register(app, owner.id, category="eingliederungshilfe")
    with app.app_context():
        case = db.session.get(Case, case_id)
        # known from the registration on, open or not
        assert case.deletion_due_on == date(2118, 12, 31)
        leonie = case.members[2]
        data = cases.MemberData(
            role="Kind",
            sex="f",
            first_name="Leonie",
            last_name="Krautwurst",
            birth_date=date(2019, 3, 5),
            is_index=True,
        )
        cases.update_member(case, leonie, data)
        assert case.deletion_due_on == date(2119, 12, 31)
        db.session.commit()


def test_without_a_birth_date_a_9b_case_has_no_date_and_is_never_due(app, owner):
    family = [replace(m, birth_date=None) for m in family_of_four()]
    case_id = register(app, owner.id, category="vormundschaft", members=family)
    close(app, case_id, date(2020, 1, 1))
    with app.app_context():
        assert db.session.get(Case, case_id).deletion_due_on is None


def test_other_cases_count_from_the_closing_day_and_a_category_change_recomputes(app, owner):
    case_id = register(app, owner.id, category="sgb2")
    with app.app_context():
        assert db.session.get(Case, case_id).deletion_due_on is None
    close(app, case_id, date(2024, 6, 30))
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.deletion_due_on == date(2029, 6, 30)
        cases.update_case(case, category="hze", child_protection=False, file_number=None)
        assert case.deletion_due_on == date(2118, 12, 31)
        db.session.commit()


def test_the_owner_sees_class_and_date_of_the_case_and_its_documents(app, signed_in):
    client, owner = signed_in(["fachkraft"])
    case_id = register(app, owner.id, category="hze")
    page = client.get(f"/faelle/{case_id}").get_data(as_text=True)
    assert 'data-testid="document-retention"' in page
    assert "31.12.2118" in page and "§ 9b SGB VIII" in page
    assert "Schweigepflichtsentbindungen" in page


def test_the_case_row_holds_the_date_and_no_birth_date(app, owner):
    case_id = register(app, owner.id, category="hze")
    with app.app_context():
        row = (
            db.session.execute(Case.__table__.select().where(Case.__table__.c.id == case_id))
            .one()
            ._mapping
        )
        plain = " ".join(str(v) for v in row.values() if not isinstance(v, bytes | memoryview))
        # the end of the year of the 100th birthday: not even the day and month of the
        # birthday can be read off the stored date
        assert "2018-03-04" not in plain and "03-04" not in plain and "2118-12-31" in plain


def test_children_born_on_different_days_of_one_year_get_the_same_date():
    for born in (date(2018, 1, 1), date(2018, 3, 4), date(2018, 12, 31)):
        due = rules.case_deletion_date("hze", closed_on=None, young_person_born=born)
        assert due == date(2118, 12, 31)
