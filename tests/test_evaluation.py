"""The figures of `hotline eval`: entity matching, out-of-scope accounting, per-kind category scores."""

from __future__ import annotations

from bot.evaluation import gold_spans, score

SECTORS = {"street_vendor": "城乡建设", "market_supervision": "商贸旅游", "living_noise": "环境保护", "other": ""}


def _prediction(category: str, intent: str = "report_problem", entities=(), **extra) -> dict:
    return {"intent": intent, "category": category, "appeal_type": "complaint", "entities": list(entities), **extra}


def test_entities_count_exact_and_overlapping_spans_separately() -> None:
    text = "宝山北路56号门口每天晚上十点以后有烧烤摊"
    gold = [{"entity": "address", "value": "宝山北路56号门口"}, {"entity": "time", "value": "每天晚上十点以后"}]
    predicted = [
        {"entity": "address", "value": "宝山北路56号门口", "start": 0, "end": 9},
        {"entity": "time", "value": "每天晚上十点", "start": 9, "end": 15},  # too short: overlap only
    ]
    row = {"text": text, "intent": "report_problem", "category": "street_vendor", "entities": gold}
    report = score([row], [_prediction("street_vendor", entities=predicted)], SECTORS)
    assert report.entities["address"].scores(overlap=False).f1 == 1.0
    assert report.entities["time"].scores(overlap=False).f1 == 0.0
    assert report.entities["time"].scores(overlap=True).f1 == 1.0
    assert gold_spans(text, gold) == [("address", 0, 9), ("time", 9, 17)]


def test_a_row_that_marks_only_addresses_and_times_does_not_count_its_phone_as_a_false_find() -> None:
    text = "宝山北路56号门口有烧烤摊，电话13985012345"
    row = {
        "text": text,
        "intent": "report_problem",
        "category": "street_vendor",
        "entities": [{"entity": "address", "value": "宝山北路56号门口"}],
        "entities_marked": ["address", "time"],
    }
    predicted = [
        {"entity": "address", "value": "宝山北路56号门口", "start": 0, "end": 9},
        {"entity": "phone", "value": "13985012345", "start": 14, "end": 25},
    ]
    report = score([row], [_prediction("street_vendor", entities=predicted)], SECTORS)
    assert report.entities["address"].scores(overlap=False).f1 == 1.0
    assert report.entities["phone"].predicted == 0  # not marked in this row: neither right nor wrong
    unmarked = score([{**row, "entities_marked": None}], [_prediction("street_vendor", entities=predicted)], SECTORS)
    assert unmarked.entities["phone"].predicted == 1  # a fully marked row says there is no phone


def test_out_of_scope_recall_counts_other_city_places_and_false_rejections_count_in_scope_messages() -> None:
    rows = [
        {"text": "讲个笑话", "intent": "out_of_scope"},
        {"text": "上海浦东张江路路灯坏了", "intent": "report_problem", "category": "other", "scope": "other_city"},
        {"text": "楼下广场舞太吵", "intent": "report_problem", "category": "living_noise"},
        {"text": "路边摆摊卖菜", "intent": "report_problem", "category": "street_vendor"},
    ]
    predictions = [
        _prediction("other", intent="out_of_scope"),
        _prediction("other", in_scope=False),
        _prediction("living_noise"),
        _prediction("street_vendor", intent="out_of_scope"),  # a real appeal turned away
    ]
    report = score(rows, predictions, SECTORS)
    assert report.oos_recall == 1.0
    assert report.false_rejection == 0.5


def test_category_is_scored_per_kind_and_sector_follows_category() -> None:
    rows = [
        {"text": "a", "intent": "report_problem", "category": "street_vendor", "kind": "chat"},
        {"text": "b", "intent": "report_problem", "category": "street_vendor", "kind": "letter"},
    ]
    report = score(rows, [_prediction("street_vendor"), _prediction("market_supervision")], SECTORS)
    assert report.category_by_kind["chat"].accuracy == 1.0
    assert report.category_by_kind["letter"].accuracy == 0.0
    assert report.sector.accuracy == 0.5


def test_appeal_type_is_scored_against_the_labels_of_each_labelling_round() -> None:
    """A relabelled held-out row still shows its earlier labels' figure, so a relabelling hides nothing."""
    rows = [
        {"text": "a", "intent": "report_problem", "category": "street_vendor", "appeal_type": "complaint"},
        {
            "text": "b",
            "intent": "report_problem",
            "category": "living_noise",
            "appeal_type": "complaint",
            "appeal_type_previous": "help",
            "appeal_type_writer": "report",
        },
    ]
    report = score(rows, [_prediction("street_vendor"), _prediction("living_noise")], SECTORS)
    assert report.appeal_type.accuracy == 1.0
    assert report.appeal_type_previous.accuracy == 0.5
    assert report.appeal_type_writer.accuracy == 0.5
