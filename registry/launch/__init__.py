"""Launch phases (RFC 8334) and the Trademark Clearinghouse (RFC 7848, RFC 9361): what a
create must bring in each phase, signed marks, claims notices, the DNL and LORDN files."""
