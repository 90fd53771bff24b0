"""The whole dunning table through one object, for tests, benchmarks and the local
tools; each Lambda gets only the table class of its own port (composition.py)."""

from __future__ import annotations

from dunning.adapters.dynamodb.bounce_marks import BounceMarksTable
from dunning.adapters.dynamodb.daily_run import DailyRunTable
from dunning.adapters.dynamodb.erp_data import ErpDataTable
from dunning.adapters.dynamodb.letter_ledger import LetterLedgerTable


class DunningTable(ErpDataTable, DailyRunTable, LetterLedgerTable, BounceMarksTable):
    pass
