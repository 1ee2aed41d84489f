"""The storage half of our trained NLU components: a dict of fitted models kept with joblib in the
Rasa model archive, so each classifier only says how it learns and how it predicts."""

from __future__ import annotations

import logging
from typing import Any, ClassVar, Dict, Type, TypeVar

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

log = logging.getLogger(__name__)
Component = TypeVar("Component", bound="StoredModels")


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
