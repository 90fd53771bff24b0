"""The dashboard's figures (SPEC 2.7): pure rules over invoices and credits.

`partial` holds what can be added across customers, shards and subsidiaries (sums and
counts); `figures` turns a sum into the figures people read (ratios rounded).
"""
