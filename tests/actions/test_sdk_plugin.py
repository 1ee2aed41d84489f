import asyncio
from types import SimpleNamespace

from actions.sdk_plugin import start_outbox_worker, stop_outbox_worker


def test_rasa_sdk_discovers_the_outbox_worker():
    from rasa_sdk.plugin import plugin_manager

    assert "OutboxWorker" in {type(plugin).__name__ for plugin in plugin_manager().get_plugins()}


async def test_the_worker_starts_with_the_server_and_stops_with_it(linkage_down, monkeypatch):
    monkeypatch.setenv("OUTBOX_RETRY_SECONDS", "0.05")
    app = SimpleNamespace(ctx=SimpleNamespace())
    await start_outbox_worker(app, asyncio.get_running_loop())
    worker = app.ctx.outbox_worker
    await asyncio.sleep(0.2)
    assert not worker.done()  # survives delivery rounds against a service that is down
    await stop_outbox_worker(app, asyncio.get_running_loop())
    await asyncio.sleep(0)
    assert worker.cancelled()
