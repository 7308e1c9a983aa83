"""The registrar's core: the site's users, their sessions and accounts, orders, the names they
hold, search, and the backends that sell names (the local registry as the house registrar).

No HTTP here: ``webui`` parses requests, calls ``RegistrarCore`` and renders the answers.
"""
