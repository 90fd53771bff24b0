"""Reading and checking dunning.yaml (SPEC 3.1)."""
