"""`hotline run` writes Rasa's endpoints: embedded SQLite by default, PostgreSQL and Redis when
DATABASE_URL and REDIS_URL are set — checked against the real servers where CI has them."""

import os

import pytest
import yaml

from bot.supervisor import endpoints_file


def test_embedded_defaults(tmp_path):
    config = yaml.safe_load(endpoints_file({"HOTLINE_VAR_DIR": str(tmp_path), "ACTIONS_PORT": "6055"}).read_text())
    assert config["tracker_store"] == {"type": "SQL", "dialect": "sqlite", "db": str(tmp_path / "rasa_tracker.sqlite3")}
    assert config["lock_store"] == {"type": "in_memory"}
    assert config["action_endpoint"]["url"] == "http://127.0.0.1:6055/webhook"


def test_a_sqlite_database_url_keeps_the_embedded_tracker_store(tmp_path):
    env = {"HOTLINE_VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    assert yaml.safe_load(endpoints_file(env).read_text())["tracker_store"]["dialect"] == "sqlite"


@pytest.fixture
def real_services(tmp_path):
    database, redis = os.environ.get("TEST_DATABASE_URL"), os.environ.get("TEST_REDIS_URL")
    if not database or not redis:
        print("TEST_DATABASE_URL / TEST_REDIS_URL not set: the PostgreSQL + Redis endpoints test is skipped")
        pytest.skip("TEST_DATABASE_URL and TEST_REDIS_URL are not set")
    return endpoints_file({"HOTLINE_VAR_DIR": str(tmp_path), "DATABASE_URL": database, "REDIS_URL": redis})


async def test_tracker_store_and_lock_store_work_on_postgresql_and_redis(real_services):
    from rasa.core.lock_store import LockStore
    from rasa.core.tracker_store import TrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import read_endpoint_config

    domain = Domain.load("domain.yml")
    store = TrackerStore.create(read_endpoint_config(str(real_services), "tracker_store"), domain)
    tracker = DialogueStateTracker("tg:endpoints-test", domain.slots)
    tracker.update(UserUttered("楼下有人乱停车"))
    await store.save(tracker)
    loaded = await store.retrieve("tg:endpoints-test")
    assert loaded is not None and loaded.latest_message.text == "楼下有人乱停车"

    locks = LockStore.create(read_endpoint_config(str(real_services), "lock_store"))
    assert type(locks).__name__ == "RedisLockStore"
    async with locks.lock("tg:endpoints-test"):
        held = locks.get_lock("tg:endpoints-test")
        assert held is not None and held.is_locked(held.last_issued + 1)  # a second caller would wait
    assert locks.get_lock("tg:endpoints-test") is None
