"""Registry data escrow (RFC 8909, RFC 9022; ICANN Registry Agreement Specification 2):
deposits of a TLD's data, OpenPGP-encrypted to the escrow agent and signed by the registry."""
