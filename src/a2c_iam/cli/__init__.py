"""The ``a2c-iam`` command: parses arguments, calls the layers, prints. Nothing else lives here."""
