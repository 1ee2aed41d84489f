"""Settings from the environment: which NLU model the operator console loads, what a new `.env` offers
(the digest reads TELEGRAM_*, WECHAT_* and DIGEST_* in `hotline digest`)."""

from pathlib import Path

from bot.settings import ROOT, Settings

BASE = {"HOTLINE_SERVICE_TOKEN": "x" * 20}


def test_the_console_model_is_the_trained_one_when_it_exists_and_can_be_turned_off(tmp_path: Path):
    default = Settings.from_env(BASE).suggest_model
    trained = ROOT / "models" / "hotline.tar.gz"
    assert default == (trained if trained.exists() else None)
    assert Settings.from_env({**BASE, "HOTLINE_SUGGEST_MODEL": "off"}).suggest_model is None
    missing = tmp_path / "nothing.tar.gz"
    assert Settings.from_env({**BASE, "HOTLINE_SUGGEST_MODEL": str(missing)}).suggest_model is None
    missing.write_bytes(b"")
    assert Settings.from_env({**BASE, "HOTLINE_SUGGEST_MODEL": str(missing)}).suggest_model == missing


def test_how_long_a_handed_over_chat_may_wait_for_a_clerk_is_a_setting_with_a_clear_refusal():
    import pytest

    assert Settings.from_env(BASE).handoff_unanswered_minutes == 30
    assert Settings.from_env({**BASE, "HANDOFF_UNANSWERED_MINUTES": "5"}).handoff_unanswered_minutes == 5
    for wrong in ("soon", "0", "-3"):
        with pytest.raises(SystemExit, match="HANDOFF_UNANSWERED_MINUTES"):
            Settings.from_env({**BASE, "HANDOFF_UNANSWERED_MINUTES": wrong})


def test_a_new_env_file_names_the_optional_digest_targets_and_keeps_them_once_set(tmp_path: Path):
    from bot.cli import init_env
    from bot.reporting.digest import DigestTargets
    from bot.settings import read_env_file

    env = tmp_path / ".env"
    assert set(init_env(env)) == {"HOTLINE_SERVICE_TOKEN", "RASA_TOKEN", "HOTLINE_SESSION_SECRET"}
    written = env.read_text(encoding="utf-8")
    assert "DIGEST_TELEGRAM_CHAT_ID" in written and "DIGEST_WECHAT_OPENIDS" in written  # as comments, unset
    assert "DIGEST_WECHAT_OPENIDS" not in read_env_file(env)
    with env.open("a", encoding="utf-8") as out:
        out.write("DIGEST_WECHAT_OPENIDS=oLeader1-AAAA, oLeader2-BBBB,oLeader1-AAAA\n")
    assert init_env(env) == [] and env.read_text(encoding="utf-8").count("HOTLINE_SERVICE_TOKEN=") == 1
    targets = DigestTargets.from_env(read_env_file(env))
    assert targets.wechat_openids == ("oLeader1-AAAA", "oLeader2-BBBB")  # spaces and repeats dropped
