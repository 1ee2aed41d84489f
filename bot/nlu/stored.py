"""The storage half of our trained NLU components: a dict of fitted models kept with joblib in the
Rasa model archive, so each classifier only says how it learns and how it predicts."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any, ClassVar, Dict, Iterable, Type, TypeVar

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

log = logging.getLogger(__name__)
Component = TypeVar("Component", bound="StoredModels")
NLU_CODE = Path(__file__).resolve().parent
CITY_PACKS = NLU_CODE.parent / "citypacks"


def sources_fingerprint(files: Iterable[Path]) -> str:
    """One digest of the contents of `files` (in name order)."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class StoredModels(GraphComponent):
    model_file: ClassVar[str] = "models.joblib"

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        models: Dict[str, Any] | None = None,
    ) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._models = models or {}

    @classmethod
    def create(
        cls: Type[Component],
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Component:
        return cls(config, model_storage, resource)

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> str:
        """Rasa reuses a cached trained component unless its class's own source, config or data
        changed; ours also depend on the features, tagger and rules beside them and on the city
        packs' gazetteers, so a change to any of those trains them again."""
        return sources_fingerprint([*NLU_CODE.glob("*.py"), *CITY_PACKS.glob("*/communities.yml")])

    def _persist(self, models: Dict[str, Any]) -> Resource:
        self._models = models
        with self._storage.write_to(self._resource) as directory:
            joblib.dump(models, directory / self.model_file)
        return self._resource

    @classmethod
    def load(
        cls: Type[Component],
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> Component:
        try:
            with model_storage.read_from(resource) as directory:
                models = joblib.load(directory / cls.model_file)
        except (ValueError, FileNotFoundError):
            log.warning("%s: no trained model found; its part of the parse stays empty", cls.__name__)
            models = {}
        return cls(config, model_storage, resource, models)
