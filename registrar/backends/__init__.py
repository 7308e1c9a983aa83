"""Where the registrar buys names: ``Backend`` (base.py) and its implementations."""
