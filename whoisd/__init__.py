"""WHOIS on port 43 (RFC 3912): the registration data RDAP publishes, with the same
redaction, as text, for the TLDs that turn it on (``whois_enabled``)."""
