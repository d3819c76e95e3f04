"""Every domain's models, imported in one place so the metadata (Alembic, the schema test)
knows all tables, including those of domains without pages yet."""

from fallteam.audit import models as audit_models  # noqa: F401
from fallteam.auth import models as auth_models  # noqa: F401
from fallteam.cases import models as cases_models  # noqa: F401
from fallteam.consent import models as consent_models  # noqa: F401
from fallteam.crypto import models as crypto_models  # noqa: F401
from fallteam.dpo import models as dpo_models  # noqa: F401
from fallteam.mail import models as mail_models  # noqa: F401
from fallteam.meetings import models as meetings_models  # noqa: F401
from fallteam.protocols import models as protocols_models  # noqa: F401
from fallteam.resubmissions import models as resubmissions_models  # noqa: F401
from fallteam.retention import models as retention_models  # noqa: F401
from fallteam.teams import models as teams_models  # noqa: F401
