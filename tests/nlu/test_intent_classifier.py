"""The intent classifier learns from examples, keeps what it learnt in the model archive, and reads a
number by its kind: a ticket number alone asks for progress, a phone number alone is a detail given."""

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intent_classifier import LinearIntentClassifier

EXAMPLES = {
    "ask_progress": [
        "我的工单处理到哪了",
        "查一下进度",
        "20261120-000321",
        "20261121000456 办得怎么样了",
        "帮我查下单子",
    ],
    "inform": ["13885012345", "电话是13985012764", "0851-86830001", "手机 18685016677", "联系我 13595031246"],
    "greet": ["你好", "您好", "在吗", "哈喽", "有人吗"],
}


def _train(tmp_path):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("intent_classifier")
    context = ExecutionContext(GraphSchema({}), "test")
    config = LinearIntentClassifier.get_default_config()
    classifier = LinearIntentClassifier.create(config, storage, resource, context)
    data = TrainingData(
        [Message.build(text=text, intent=intent) for intent, texts in EXAMPLES.items() for text in texts]
    )
    classifier.train(data)
    return LinearIntentClassifier.load(config, storage, resource, context)


def _intent(classifier, text):
    message = Message.build(text=text)
    classifier.process([message])
    return message.get("intent"), message.get("intent_ranking")


def test_numbers_are_read_by_their_kind_after_a_reload(tmp_path):
    classifier = _train(tmp_path)
    assert _intent(classifier, "20261122-000999")[0]["name"] == "ask_progress"  # digits never seen
    assert _intent(classifier, "13708519999")[0]["name"] == "inform"
    intent, ranking = _intent(classifier, "你好呀")
    assert intent["name"] == "greet"
    assert abs(sum(item["confidence"] for item in ranking) - 1.0) < 1e-6


def test_an_empty_message_still_gets_an_intent_for_the_fallback(tmp_path):
    intent, _ = _intent(_train(tmp_path), "")
    assert intent["name"] in EXAMPLES
