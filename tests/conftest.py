"""Makes ``tests/`` importable from every test folder, for helpers shared across layers
(``readme_shell``)."""
