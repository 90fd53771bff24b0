"""Delivering a letter (SPEC 2.5, 2.6, 2.8): the ledger, the letter re-checked before
sending, recipients and channels, feedback from the mail service, the print queue."""
