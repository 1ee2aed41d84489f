"""Jieba tokenisation on normalised text (traditional and full-width characters folded)."""

from __future__ import annotations

from itertools import islice
from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.text import normalize


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class HotlineTokenizer(JiebaTokenizer):
    """JiebaTokenizer (with the project's user dictionary) that first folds 繁體 and ＦＵＬＬ width.

    Offsets stay those of the original text because normalisation maps character to character.
    """

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # Our classifiers and the entity extractor read the whole text themselves; Rasa's own tokens
        # only need to cover the opening (where a resident greets, asks or reports), so a letter of
        # 1,000 characters is cut to 96 of them. (The cap dates from DIET, which padded every batch.)
        return {**JiebaTokenizer.get_default_config(), "max_tokens": 96}

    def tokenize(self, message: Message, attribute: str) -> List[Token]:
        import jieba

        text = normalize(message.get(attribute) or "")
        # jieba yields words as it goes, so a long letter is cut after its first words, not read to the end
        tokens = (Token(word, start) for (word, start, _end) in jieba.tokenize(text) if word.strip())
        return self._apply_token_pattern(list(islice(tokens, self._config["max_tokens"])))
