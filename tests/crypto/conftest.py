"""The crypto tests' own tables, created inside each test's rolled-back transaction."""

from __future__ import annotations

import pytest

from fallteam.extensions import db
from tests.crypto.models import CryptoTestBase


@pytest.fixture
def crypto_tables(app):
    """The test-only encrypted tables, present for one test."""
    with app.app_context():
        CryptoTestBase.metadata.create_all(db.session.connection())
        db.session.commit()
    return CryptoTestBase.registry
