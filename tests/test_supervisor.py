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


CHANNEL_ENV = {
    "TELEGRAM_TOKEN": "123456:abc",
    "TELEGRAM_SECRET_TOKEN": "tg-secret",
    "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081",
    "WECHAT_TOKEN": "wx-token",
    "WECHAT_APP_ID": "wx1234567890abcdef",
    "WECHAT_APP_SECRET": "wx-secret",
    "WECHAT_API_BASE_URL": "http://127.0.0.1:8081",
}


def test_channels_without_settings_stay_off(tmp_path):
    from bot.supervisor import channel_lines, credentials_file

    config = yaml.safe_load(credentials_file({"HOTLINE_VAR_DIR": str(tmp_path)}).read_text())
    assert set(config) == {"rest", "socketio"}
    assert "未开启：Telegram、微信" in "\n".join(channel_lines({}))


def test_configured_channels_are_switched_on_and_named(tmp_path):
    from bot.supervisor import channel_lines, credentials_file

    env = {"HOTLINE_VAR_DIR": str(tmp_path), "RASA_PORT": "5005", **CHANNEL_ENV}
    config = yaml.safe_load(credentials_file(env).read_text())
    assert "connectors.telegram.TelegramInput" in config and "connectors.wechat.WeChatInput" in config
    text = "\n".join(channel_lines(env))
    assert "http://127.0.0.1:5005/webhooks/telegram/webhook" in text
    assert "http://127.0.0.1:5005/webhooks/wechat/webhook（明文模式）" in text and "未开启" not in text


@pytest.mark.parametrize(
    "env",
    [{"TELEGRAM_TOKEN": "123456:abc"}, {"WECHAT_TOKEN": "wx-token"}],
    ids=["telegram-webhook-without-secret", "wechat-without-app-secret"],
)
def test_a_half_configured_channel_stops_the_start_with_a_chinese_message(tmp_path, env):
    from bot.supervisor import credentials_file

    with pytest.raises(SystemExit) as stopped:
        credentials_file({"HOTLINE_VAR_DIR": str(tmp_path), **env})
    assert "未设置" in str(stopped.value) or "缺少" in str(stopped.value)
