"""What collectors see of one customer (SPEC 2.7, 2.10): its balances and aging, and
the log of who changed what."""
