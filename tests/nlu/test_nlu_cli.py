from __future__ import annotations

import io
import json
from pathlib import Path

from nlu.cli import cmd_eval, cmd_parse, cmd_train
from nlu.engine import BuiltinNlu


def test_parse_one_json_line_per_input_line(engine: BuiltinNlu) -> None:
    stdin = io.StringIO("Drucker stürzt ab\n\nwhat about SD-7?\r\n   \n")
    stdout = io.StringIO()

    assert cmd_parse(stdin, stdout, engine) == 0

    lines = stdout.getvalue().splitlines()
    results = [json.loads(line) for line in lines]
    assert [r["text"] for r in results] == ["Drucker stürzt ab", "", "what about SD-7?", "   "]
    assert "stürzt" in lines[0]  # ensure_ascii=False
    assert results[1]["intent"] == {"name": "out_of_scope", "confidence": 0.0}
    assert results[2]["entities"][0]["value"] == "SD-7"


def test_train_reports_counts_and_time(tiny_data: Path, tmp_path: Path) -> None:
    stdout = io.StringIO()
    assert cmd_train(tiny_data, tmp_path / "cache", stdout) == 0
    out = stdout.getvalue()
    incident = next(line for line in out.splitlines() if line.startswith("incident"))
    assert incident.split() == ["incident", "4", "4", "8"]
    assert "trained in" in out
    assert any((tmp_path / "cache").iterdir())


def test_eval_text_and_json(tiny_data: Path) -> None:
    text_out, json_out = io.StringIO(), io.StringIO()
    assert cmd_eval(tiny_data, 2, text_out, json_out=False) == 0
    assert cmd_eval(tiny_data, 2, json_out, json_out=True) == 0
    assert "macro-F1 request intents" in text_out.getvalue()
    report = json.loads(json_out.getvalue())
    assert report["folds"] == 2 and "macro_f1_request" in report


def test_bad_data_is_an_error_exit(tmp_path: Path) -> None:
    assert cmd_train(tmp_path / "missing", tmp_path, io.StringIO()) == 2
    assert cmd_eval(tmp_path / "missing", 5, io.StringIO(), json_out=False) == 2
