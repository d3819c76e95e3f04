"""Read side of the DPO's workspace: audit search and reports, built on the audit log alone."""
