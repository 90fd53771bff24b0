"""CSV cells a spreadsheet cannot run (OWASP "CSV injection"): the import's error
reports and the print room's manifests are opened by people in spreadsheets."""

# What a spreadsheet may take for the start of a formula (OWASP's list).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """`text`, prefixed with a single quote if a spreadsheet could run it."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
