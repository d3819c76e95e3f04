"""Reports for the data protection officer and the case owner: the answer to a data
subject's access request (Art. 15 DSGVO) and the record of processing activities (Art. 30)."""
