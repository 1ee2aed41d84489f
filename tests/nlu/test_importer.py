import os

from rasa.shared.importers.rasa import RasaFileImporter

from bot.nlu.importer import HotlineFileImporter

NLU = """version: "3.1"
nlu:
- intent: report_problem
  examples: |
    - 楼下又有人乱停车了
    - 宝山北路烧烤摊占道经营
"""


def _texts(importer):
    return sorted(m.get("text") for m in importer.get_nlu_data("zh").training_examples)


def test_the_importer_reads_what_rasa_reads_and_reads_again_after_an_edit(tmp_path):
    nlu = tmp_path / "nlu.yml"
    nlu.write_text(NLU, encoding="utf-8")
    ours = HotlineFileImporter(training_data_paths=[str(tmp_path)])
    assert _texts(ours) == _texts(RasaFileImporter(training_data_paths=[str(tmp_path)]))
    assert _texts(ours) == ["宝山北路烧烤摊占道经营", "楼下又有人乱停车了"]

    # A new example must be trained on, not a remembered copy of the file before the edit.
    nlu.write_text(NLU + "    - 小区门口垃圾三天没人收\n", encoding="utf-8")
    stat = nlu.stat()
    os.utime(nlu, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert "小区门口垃圾三天没人收" in _texts(HotlineFileImporter(training_data_paths=[str(tmp_path)]))
