"""Events: the one transactional outbox for every side effect that leaves the core.

A flow calls ``emit.emit(ctx, kind, payload)``: one ``events`` row per consumer of that kind
(``routes.ROUTES``), in the flow's own transaction. After the commit the registry wakes
those consumers (``wake``); each runs ``consumer.Consumer``, which claims its oldest due
rows, hands them to the component's handler and deletes what it acknowledges (at least
once). Failed rows back off and end dead-lettered; ``registry.admin.events`` lists and
replays them (``pyrar events``).
"""
