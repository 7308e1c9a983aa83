"""The `pyrar` command and everything above the components: CLI, `serve`, `init`."""
