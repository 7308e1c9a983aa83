"""Schema-valid EPP command elements to the registry core's command dataclasses.

One module per object mapping or extension. Parsers trust the schema for structure and
cardinality (the reader validated the frame) and raise ``registry.errors.EppError``
subclasses for what the schema allows but this registry does not do.
"""
