"""Names shared by the fault tests and the stalling application (``stalling_wsgi``)."""

#: a request carrying this header (value "1") stops just before its COMMIT
STALL_HEADER = "X-Test-Stall"
#: the gunicorn / ``flask --app`` target of the application with the stall
STALLING = "tests.faults.stalling_wsgi:app"
