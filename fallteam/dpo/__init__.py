"""The data protection officer's workspace: audit search, access reports, anomalies,
disclosure decisions, chain status, Art. 15 answers and the record of processing.

The DPO sees who did what to which case (by pseudonym), never what a case contains.
"""
