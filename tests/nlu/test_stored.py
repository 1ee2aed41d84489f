"""Rasa reuses a cached trained component when its fingerprint is unchanged; ours must be trained
again when the code or gazetteer they learn with changes, or a stale model is loaded."""

from __future__ import annotations

import shutil

from bot.nlu import stored
from bot.nlu.entities import HotlineEntityExtractor
from bot.nlu.matter_classifier import MatterClassifier


def test_a_change_to_feature_code_or_gazetteer_changes_every_components_fingerprint(tmp_path, monkeypatch) -> None:
    code, packs = tmp_path / "nlu", tmp_path / "citypacks"
    shutil.copytree(stored.NLU_CODE, code, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(stored.CITY_PACKS, packs)
    monkeypatch.setattr(stored, "NLU_CODE", code)
    monkeypatch.setattr(stored, "CITY_PACKS", packs)
    before = MatterClassifier.fingerprint_addon({})
    assert before == MatterClassifier.fingerprint_addon({}) == HotlineEntityExtractor.fingerprint_addon({})

    features = code / "span_tagger.py"  # not the component's own class: Rasa alone would not notice
    features.write_text(features.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    after_code = MatterClassifier.fingerprint_addon({})
    assert after_code != before

    communities = next(packs.glob("*/communities.yml"))
    communities.write_text(communities.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert HotlineEntityExtractor.fingerprint_addon({}) not in (before, after_code)
