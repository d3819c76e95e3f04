"""The application exactly as ``wsgi.py`` builds it, plus one test-only stall, so a crash
test can kill the process at the worst moment instead of hoping to hit it: a transaction
that has sent everything (its rows, its audit events, its checkpoint) stops just before its
COMMIT, announces that in a file, and waits to be killed.

Which transaction stalls:
- a request carrying the header ``X-Test-Stall: 1`` (the first one only: the file is
  created exclusively, so a second such request goes on);
- outside requests (``flask …``), the N-th commit of the process
  (``FALLTEAM_TEST_STALL_AT_COMMIT=N``): e.g. the second batch of a re-encryption.

Only the test suite imports this module (``gunicorn tests.faults.stalling_wsgi:app`` or
``flask --app tests.faults.stalling_wsgi:app …``); the application has no such switch.
"""

from __future__ import annotations

import os
import time

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from fallteam import create_app
from tests.faults.stall import STALL_HEADER

app = create_app()

_stall_file = os.environ["FALLTEAM_TEST_STALL_FILE"]
_stall_at_commit = int(os.environ.get("FALLTEAM_TEST_STALL_AT_COMMIT") or 0)
_commits = 0


# Registered after create_app imported the audit writer, so this runs after its
# ``before_commit`` hook: the events and checkpoints are inserted when the stall begins.
@event.listens_for(Session, "before_commit")
def _stall_before_commit(session: Session) -> None:
    global _commits
    if session.in_nested_transaction():
        return
    if has_request_context():
        if request.headers.get(STALL_HEADER) != "1":
            return
    else:
        _commits += 1
        if _commits != _stall_at_commit:
            return
    # Make sure every statement has reached the database (the ORM flushes at commit).
    session.flush()
    try:
        fd = os.open(_stall_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)
    time.sleep(600)
