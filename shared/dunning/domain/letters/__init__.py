"""A letter as data: its view for the templates, its SEPA QR code, its JSON form."""
