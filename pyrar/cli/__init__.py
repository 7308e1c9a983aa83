"""The ``pyrar`` command line."""
