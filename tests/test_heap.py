"""`serve` tells the garbage collector, once the application has started, that what it loaded
lives as long as the process: the full collections then walk only what came after."""

from __future__ import annotations

import gc

from aiohttp.test_utils import TestClient, TestServer

from app import keys
from app.factory import YOUNG_COLLECTION_THRESHOLD, create_app, freeze_heap_after_startup


async def test_what_the_app_loaded_is_out_of_the_collectors_walks(settings, knowledge) -> None:
    threshold = gc.get_threshold()
    app = create_app(settings, knowledge, run_outbox=False)
    freeze_heap_after_startup(app)
    assert gc.get_freeze_count() == 0
    try:
        async with TestClient(TestServer(app)) as client:
            index = client.server.app[keys.CORE].index
            assert gc.get_freeze_count() > 10_000
            walked = {id(o) for o in gc.get_objects()}
            # The search index and its documents are loaded before the freeze: not walked.
            assert id(index) not in walked and id(index._docs) not in walked
            assert gc.get_threshold()[0] == YOUNG_COLLECTION_THRESHOLD
            # What comes later is collected as usual.
            later: list[object] = []
            later.append(later)
            assert id(later) in {id(o) for o in gc.get_objects()}
            response = await client.get("/healthz")
            assert response.status == 200
    finally:
        gc.unfreeze()  # the test process goes on; its objects are collectable again
        gc.set_threshold(*threshold)
