"""Core results to EPP XML: ``<resData>`` children, ``<extension>`` children and msgQ.

One module per object mapping or extension; ``render`` picks the one for a result type.
Elements are built with lxml directly (no templates, no copies) and are valid against our
schemas: the tests validate every response.
"""
