"""rasa-sdk plugin (installed as `rasa_sdk_plugins`): starts the outbox delivery worker with
the action server, so waiting complaints go out as soon as the linkage service is back."""

from __future__ import annotations

import asyncio
from typing import Any

import pluggy

hookimpl = pluggy.HookimplMarker("rasa_sdk")


async def start_outbox_worker(app: Any, loop: Any) -> None:
    from actions.config import ActionSettings
    from actions.linkage_client import LinkageClient
    from actions.outbox import Outbox, run_worker
    from actions.rasa_client import announce_ticket

    settings = ActionSettings.from_env()

    async def notify(sender_id: str, ticket: Any) -> None:
        await announce_ticket(settings, sender_id, ticket)

    app.ctx.outbox_worker = asyncio.create_task(
        run_worker(
            Outbox(settings.outbox_path), LinkageClient.from_settings(settings), notify, settings.outbox_retry_seconds
        )
    )


async def stop_outbox_worker(app: Any, loop: Any) -> None:
    worker = getattr(app.ctx, "outbox_worker", None)
    if worker is not None:
        worker.cancel()


class OutboxWorker:
    @hookimpl
    def attach_sanic_app_extensions(self, app: Any) -> None:
        app.register_listener(start_outbox_worker, "after_server_start")
        app.register_listener(stop_outbox_worker, "before_server_stop")


def init_hooks(manager: pluggy.PluginManager) -> None:
    manager.register(OutboxWorker())
