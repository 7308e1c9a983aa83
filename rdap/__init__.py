"""RDAP (RFC 7480, 9082, 9083) with ICANN's gTLD RDAP Response Profile: a component that
renders the registry's registration data (registry.registration_data) over HTTP."""
