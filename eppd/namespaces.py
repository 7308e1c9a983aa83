"""XML namespaces the transport layer itself reads or writes."""

EPP = "urn:ietf:params:xml:ns:epp-1.0"
LOGIN_SEC = "urn:ietf:params:xml:ns:epp:loginSec-1.0"
