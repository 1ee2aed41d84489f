"""Which NLU model the operator console loads (the digest reads TELEGRAM_* and DIGEST_* in `hotline digest`)."""

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
