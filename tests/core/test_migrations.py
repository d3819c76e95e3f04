"""The schema comes from the migrations alone, and they match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fallteam.extensions import db


def test_the_migrated_schema_matches_the_models(app):
    with app.app_context():
        connection = db.session.connection()
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []
