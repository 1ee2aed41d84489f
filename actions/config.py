"""Where the action server finds the linkage service, Rasa and its outbox (from the environment)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.citypack import CityPack, load_city_pack
from bot.settings import ROOT


@dataclass(frozen=True)
class ActionSettings:
    linkage_url: str
    service_token: str
    rasa_url: str
    rasa_token: str
    outbox_path: Path
    outbox_retry_seconds: float

    @classmethod
    def from_env(cls) -> ActionSettings:
        return cls(
            linkage_url=os.environ.get("LINKAGE_URL", "http://127.0.0.1:8000").rstrip("/"),
            service_token=os.environ.get("HOTLINE_SERVICE_TOKEN", ""),
            rasa_url=os.environ.get("RASA_URL", "http://127.0.0.1:5005").rstrip("/"),
            rasa_token=os.environ.get("RASA_TOKEN", ""),
            outbox_path=Path(os.environ.get("OUTBOX_PATH", str(ROOT / "var" / "outbox.sqlite3"))),
            outbox_retry_seconds=float(os.environ.get("OUTBOX_RETRY_SECONDS", "15")),
        )


@lru_cache(maxsize=1)
def city_pack() -> CityPack:
    return (
        load_city_pack(Path(os.environ["HOTLINE_CITY_PACK"])) if "HOTLINE_CITY_PACK" in os.environ else load_city_pack()
    )
