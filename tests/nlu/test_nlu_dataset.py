from __future__ import annotations

from pathlib import Path

import pytest

from nlu.dataset import Example, NluDataError, find_conflicts, load_examples, strip_annotations
from nlu.labels import INTENTS, LANGUAGES


def test_real_data_covers_every_intent_in_both_languages() -> None:
    examples = load_examples()
    covered = {(ex.intent, ex.language) for ex in examples}
    assert covered == {(intent, lang) for intent in INTENTS for lang in LANGUAGES}


def test_real_data_has_no_text_labelled_with_two_intents() -> None:
    assert find_conflicts(load_examples()) == {}


def test_language_comes_from_the_folder_and_annotations_are_stripped(tiny_data: Path) -> None:
    examples = load_examples(tiny_data)
    assert Example("Wie steht es um SD-4?", "ticket_status", "de") in examples
    assert Example("status of SD-4?", "ticket_status", "en") in examples
    assert not any("](" in ex.text for ex in examples)


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("[SD-42](ticket) bitte", "SD-42 bitte"),
        ('Status [SD-42]{"entity": "ticket"}', "Status SD-42"),
        ("kein [Link", "kein [Link"),
    ],
)
def test_strip_annotations(raw: str, plain: str) -> None:
    assert strip_annotations(raw) == plain


def test_rasa_long_form_examples_are_read(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "greet.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples:\n  - text: hello\n    metadata: {}\n'
        "- synonym: hi\n  examples: |\n    - hey\n",
        encoding="utf-8",
    )
    assert load_examples(tmp_path) == [Example("hello", "greet", "en")]


def test_unknown_intent_names_the_file(tiny_data: Path) -> None:
    bad = tiny_data / "de" / "bad.yml"
    bad.write_text(
        'version: "3.1"\nnlu:\n- intent: smalltalk\n  examples: |\n    - na du\n', encoding="utf-8"
    )
    with pytest.raises(NluDataError, match=r"bad\.yml.*smalltalk"):
        load_examples(tiny_data)


@pytest.mark.parametrize(
    "content",
    [
        "nlu: [unclosed\n",
        "- just a list\n",
        'nlu:\n- intent: greet\n  examples: "hallo"\n',
        "nlu:\n- intent: greet\n  examples: 42\n",
        "nlu:\n- just text\n",
    ],
)
def test_malformed_yaml_names_the_file(tiny_data: Path, content: str) -> None:
    (tiny_data / "en" / "broken.yml").write_text(content, encoding="utf-8")
    with pytest.raises(NluDataError, match=r"broken\.yml"):
        load_examples(tiny_data)


def test_files_outside_a_language_folder_are_rejected(tiny_data: Path) -> None:
    (tiny_data / "greet.yml").write_text("nlu: []\n", encoding="utf-8")
    with pytest.raises(NluDataError, match=r"greet\.yml.*language folder"):
        load_examples(tiny_data)


def test_missing_or_empty_data_dir(tmp_path: Path) -> None:
    with pytest.raises(NluDataError, match="not found"):
        load_examples(tmp_path / "nowhere")
    with pytest.raises(NluDataError, match="no training examples"):
        load_examples(tmp_path)
