"""A linkage service with the trained NLU model loaded (for the operator console's suggestions)."""

from typing import AsyncIterator, Callable

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.citypack import CityPack
from bot.settings import ROOT, Settings
from bot.web.app import init_app
from tests.conftest import FrozenClock, reset_database

MODEL = ROOT / "models" / "hotline.tar.gz"
needs_model = pytest.mark.skipif(not MODEL.exists(), reason="no trained model: `make test` trains it first")


@pytest.fixture(scope="session")
def classifier(pack: CityPack):
    """Loaded once for the whole run: a Rasa model takes seconds to load, a parse milliseconds."""
    from bot.classify import Classifier

    return Classifier(MODEL, pack)


@pytest.fixture
async def suggest_client(
    database_url: str, settings_for: Callable[..., Settings], clock: FrozenClock, classifier
) -> AsyncIterator[TestClient]:
    await reset_database(database_url)
    app = init_app(settings_for(database_url), clock=clock, classifier=classifier)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client
