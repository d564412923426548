"""The Rasa backend against a fake Rasa server on 127.0.0.1: answers mapped onto the contract, and every
way the server can fail ending in the built-in engine's answer, marked degraded, never an exception."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.clock import FakeClock
from bot.config.schema import DeskConfig
from nlu.backend import NluBackend
from nlu.decision import interpret
from nlu.engine import BuiltinNlu
from nlu.rasa import DEFAULT_MARGIN, DEFAULT_THRESHOLD, RasaNlu
from tests.conftest import make_app
from tests.nlu.fake_rasa import FakeRasa, Reply, error_body, parse_answer, serve
from tests.nlu.test_nlu_engine import assert_contract
from tests.support import DeskBot, MemoryChannel

REPO = Path(__file__).resolve().parents[2]
STATUS_TEXT = "Wie steht es um sd 42?"
INCIDENT_TEXT = "Mein Outlook stürzt seit heute Morgen ab"


class Monotonic:
    """The breaker's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake, server = serve()
    try:
        yield fake
    finally:
        fake.release.set()  # a blocked "slow" handler returns, so shutdown does not wait for it
        server.shutdown()
        server.server_close()


@pytest.fixture
def builtin(nlu: NluBackend) -> BuiltinNlu:
    assert isinstance(nlu, BuiltinNlu)
    return nlu


@pytest.fixture
def ticks() -> Monotonic:
    return Monotonic()


@pytest.fixture
def backend(rasa: FakeRasa, builtin: BuiltinNlu, ticks: Monotonic) -> RasaNlu:
    return RasaNlu(rasa.url, builtin, timeout=2.0, retries=1, cooldown=30.0, monotonic=ticks)


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def degraded(builtin: BuiltinNlu, text: str) -> dict[str, Any]:
    """What the user gets when Rasa fails: the built-in engine's own answer, marked, judged by its own
    decision settings."""
    return {
        **builtin.parse(text),
        "nlu_degraded": True,
        "threshold": builtin.threshold,
        "margin": builtin.margin,
    }


# --- answers mapped onto the contract -------------------------------------------------------------------


def test_rasa_answer_gives_intent_and_ranking_with_our_language_and_entities(
    rasa: FakeRasa, backend: RasaNlu, builtin: BuiltinNlu
) -> None:
    # Rasa ranks ten intents (DIET's default ranking_length) and found its own, raw, entity.
    ranking = [
        ("ticket_status", 0.91),
        ("my_tickets", 0.05),
        ("incident", 0.012),
        ("help", 0.01),
        ("greet", 0.005),
        ("thanks", 0.004),
        ("deny", 0.003),
        ("affirm", 0.002),
        ("cancel", 0.002),
        ("goodbye", 0.002),
    ]
    raw_entity = {"entity": "ticket", "start": 16, "end": 21, "value": "sd 42", "extractor": "DIETClassifier"}
    rasa.script(Reply(body=parse_answer(STATUS_TEXT, ranking, entities=[raw_entity])))

    result = backend.parse(STATUS_TEXT)

    assert_contract(result, STATUS_TEXT)
    assert result["intent"] == {"name": "ticket_status", "confidence": 0.91}
    assert result["intent_ranking"] == [{"name": n, "confidence": c} for n, c in ranking[:5]]
    assert result["language"] == "de" == builtin.parse(STATUS_TEXT)["language"]
    assert result["entities"] == [{"entity": "ticket", "value": "SD-42", "start": 16, "end": 21}]
    assert "nlu_degraded" not in result
    assert "threshold" not in result and "margin" not in result  # Rasa's own: the backend's settings
    assert interpret(result, backend.threshold, backend.margin).intents == ("ticket_status",)
    assert [(r.path, r.json) for r in rasa.requests] == [("/model/parse", {"text": STATUS_TEXT})]


def test_english_text_keeps_english_and_the_ranking_is_sorted(rasa: FakeRasa, backend: RasaNlu) -> None:
    text = "What's the status of #42?"
    rasa.script(Reply(body=parse_answer(text, [("my_tickets", 0.2), ("ticket_status", 0.7), ("help", 0.1)])))

    result = backend.parse(text)

    assert result["language"] == "en"
    assert [r["name"] for r in result["intent_ranking"]] == ["ticket_status", "my_tickets", "help"]
    assert result["entities"] == [{"entity": "ticket", "value": "SD-42", "start": 21, "end": 24}]


def test_low_confidence_nlu_fallback_is_out_of_scope_and_not_understood(
    rasa: FakeRasa, backend: RasaNlu
) -> None:
    text = "Wie wird das Wetter morgen?"
    rasa.script(Reply(body=parse_answer(text, [("greet", 0.31), ("help", 0.2)], fallback=0.5)))

    result = backend.parse(text)

    assert result["intent"] == {"name": "out_of_scope", "confidence": 0.5}
    assert result["intent_ranking"] == [
        {"name": "greet", "confidence": 0.31},
        {"name": "help", "confidence": 0.2},
    ]
    assert interpret(result, backend.threshold, backend.margin).kind == "unknown"


def test_nlu_fallback_for_two_close_intents_lets_the_bot_offer_both(rasa: FakeRasa, backend: RasaNlu) -> None:
    text = "Ich brauche Hilfe mit Excel"
    close = [("user_support", 0.54), ("training", 0.46), ("help", 0.0)]
    rasa.script(Reply(body=parse_answer(text, close, fallback=0.5)))

    result = backend.parse(text)

    assert result["intent"]["name"] == "user_support"
    assert interpret(result, backend.threshold, backend.margin).intents == ("user_support", "training")


def test_unknown_intent_names_are_dropped_and_an_unknown_top_is_out_of_scope(
    rasa: FakeRasa, backend: RasaNlu
) -> None:
    text = "tell me a joke"
    ranking = [("chitchat/joke", 0.8), ("greet", 0.1), ("faq", 0.05), ("thanks", 0.05)]
    rasa.script(Reply(body=parse_answer(text, ranking)))

    result = backend.parse(text)

    assert result["intent"] == {"name": "out_of_scope", "confidence": 0.8}
    assert [r["name"] for r in result["intent_ranking"]] == ["greet", "thanks"]
    assert interpret(result, backend.threshold, backend.margin).kind == "unknown"
    assert "nlu_degraded" not in result


def test_confidences_are_clamped_to_zero_and_one(rasa: FakeRasa, backend: RasaNlu) -> None:
    rasa.script(Reply(body=parse_answer("Hallo", [("greet", 1.0000002), ("thanks", -0.0001)])))

    result = backend.parse("Hallo")

    assert result["intent"] == {"name": "greet", "confidence": 1.0}
    assert result["intent_ranking"] == [
        {"name": "greet", "confidence": 1.0},
        {"name": "thanks", "confidence": 0.0},
    ]


def test_base_url_path_and_token_are_kept_and_the_token_is_not_logged(
    builtin: BuiltinNlu, caplog: pytest.LogCaptureFixture
) -> None:
    fake, server = serve()
    try:
        rasa = RasaNlu(f"{fake.url}/rasa/?token=s3cret", builtin)
        assert "nlu_degraded" not in rasa.parse("Hallo")
        assert fake.requests[0].path == "/rasa/model/parse?token=s3cret"
        fake.default = Reply(401, error_body(401, "NotAuthenticated"))
        with caplog.at_level(logging.DEBUG, logger="nlu.rasa"):
            assert rasa.parse("Hallo")["nlu_degraded"] is True
    finally:
        server.shutdown()
        server.server_close()
    assert f"{fake.url}/rasa" in caplog.text and "HTTP 401" in caplog.text
    assert "s3cret" not in caplog.text


# --- failures: the built-in engine answers, marked degraded ---------------------------------------------


def test_server_down_degrades_to_the_builtin_answer_and_warns_without_the_text(
    builtin: BuiltinNlu, caplog: pytest.LogCaptureFixture
) -> None:
    url = closed_port_url()
    backend = RasaNlu(url, builtin)

    with caplog.at_level(logging.DEBUG, logger="nlu.rasa"):
        result = backend.parse(INCIDENT_TEXT)

    assert result == degraded(builtin, INCIDENT_TEXT)
    assert result["intent"]["name"] == "incident"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert url in warnings[0].getMessage() and "connection failed" in warnings[0].getMessage()
    assert "Outlook" not in caplog.text


def test_slow_server_times_out_without_retry_and_degrades(
    rasa: FakeRasa, builtin: BuiltinNlu, caplog: pytest.LogCaptureFixture
) -> None:
    rasa.default = Reply(block=True)  # answers only when released, long after the client gave up
    backend = RasaNlu(rasa.url, builtin, timeout=0.2)

    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="nlu.rasa"):
        result = backend.parse(INCIDENT_TEXT)
    waited = time.monotonic() - started

    assert result == degraded(builtin, INCIDENT_TEXT)
    assert len(rasa.requests) == 1  # the server has it and is busy: asking again doubles the wait
    assert waited < 1.0  # the user waits for the timeout, not for the server (blocked for 5 s)
    assert "no answer within 0.2 s" in caplog.text


def test_a_server_dripping_its_headers_cannot_stretch_the_deadline(
    rasa: FakeRasa, builtin: BuiltinNlu, caplog: pytest.LogCaptureFixture
) -> None:
    # One byte every 0.05 s: each read gets an answer well within the timeout, the whole answer ~15 s.
    rasa.default = Reply(drip=0.05)
    backend = RasaNlu(rasa.url, builtin, timeout=0.2)

    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="nlu.rasa"):
        result = backend.parse(INCIDENT_TEXT)
    waited = time.monotonic() - started

    assert result == degraded(builtin, INCIDENT_TEXT)
    assert waited < 0.5
    assert "no answer within 0.2 s" in caplog.text
    assert len(rasa.requests) == 1
    assert rasa.dropped.wait(2.0)  # the connection is closed at the deadline, not left dripping


def test_when_every_worker_waits_for_rasa_a_message_is_answered_at_once_without_a_request(
    rasa: FakeRasa, builtin: BuiltinNlu, caplog: pytest.LogCaptureFixture
) -> None:
    rasa.default = Reply(block=True)
    backend = RasaNlu(rasa.url, builtin, timeout=5.0, max_in_flight=1)

    first: dict[str, Any] = {}
    waiting = threading.Thread(target=lambda: first.update(backend.parse("Hallo")))
    waiting.start()
    try:
        assert rasa.received.wait(5.0)  # the only worker waits for the server
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="nlu.rasa"):
            assert backend.parse(INCIDENT_TEXT) == degraded(builtin, INCIDENT_TEXT)
        assert time.monotonic() - started < 0.5
        assert len(rasa.requests) == 1  # no thread and no request for it
    finally:
        rasa.release.set()
        waiting.join(5.0)
    assert first["intent"]["name"] == "greet" and "nlu_degraded" not in first
    assert caplog.records == []  # Rasa did not fail: no outage, the next message goes to it
    assert "nlu_degraded" not in backend.parse("Hallo")
    assert len(rasa.requests) == 2


def test_a_degraded_answer_is_judged_by_the_builtin_engines_own_settings(
    rasa: FakeRasa, backend: RasaNlu, builtin: BuiltinNlu
) -> None:
    rasa.default = Reply(503, error_body(503, "ServiceUnavailable"))
    assert (builtin.threshold, builtin.margin) != (backend.threshold, backend.margin)  # else nothing to test

    failed = backend.parse(INCIDENT_TEXT)
    skipped = backend.parse(INCIDENT_TEXT)  # the breaker is open: no request at all

    for result in (failed, skipped):
        assert result["nlu_degraded"] is True
        assert (result["threshold"], result["margin"]) == (builtin.threshold, builtin.margin)
    assert interpret(failed, failed["threshold"], failed["margin"]).intents == ("incident",)


def test_server_error_is_retried_once_and_the_second_answer_used(
    rasa: FakeRasa, backend: RasaNlu, caplog: pytest.LogCaptureFixture
) -> None:
    rasa.script(
        Reply(500, error_body(500, "ParsingError")),
        Reply(body=parse_answer(INCIDENT_TEXT, [("incident", 0.97)])),
    )

    with caplog.at_level(logging.WARNING, logger="nlu.rasa"):
        result = backend.parse(INCIDENT_TEXT)

    assert result["intent"] == {"name": "incident", "confidence": 0.97}
    assert "nlu_degraded" not in result
    assert len(rasa.requests) == 2
    assert caplog.records == []  # a retry that worked is no outage


def test_two_server_errors_degrade(rasa: FakeRasa, backend: RasaNlu, builtin: BuiltinNlu) -> None:
    rasa.default = Reply(500, error_body(500, "ParsingError"))

    assert backend.parse(INCIDENT_TEXT) == degraded(builtin, INCIDENT_TEXT)
    assert len(rasa.requests) == 2


@pytest.mark.parametrize("status", [400, 404])
def test_client_errors_are_not_retried(
    rasa: FakeRasa, backend: RasaNlu, builtin: BuiltinNlu, status: int
) -> None:
    rasa.default = Reply(status, error_body(status, "BadRequest"))

    assert backend.parse(INCIDENT_TEXT) == degraded(builtin, INCIDENT_TEXT)
    assert len(rasa.requests) == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>502 Bad Gateway</html>", "not valid JSON"),
        (b'{"intent": {"name": "greet", "confidence": 0.9}', "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
        (b"x" * (2 << 20), "larger than"),
    ],
    ids=["html", "truncated", "not-utf8", "deeply-nested", "huge"],
)
def test_invalid_json_degrades_without_retry(
    rasa: FakeRasa,
    backend: RasaNlu,
    builtin: BuiltinNlu,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    reason: str,
) -> None:
    rasa.default = Reply(body=body)

    with caplog.at_level(logging.WARNING, logger="nlu.rasa"):
        assert backend.parse(INCIDENT_TEXT) == degraded(builtin, INCIDENT_TEXT)
    assert len(rasa.requests) == 1
    assert reason in caplog.text


@pytest.mark.parametrize(
    "answer",
    [
        [],
        {},
        {"text": INCIDENT_TEXT, "entities": []},
        {"intent": "incident"},
        {"intent": {"name": "incident"}},
        {"intent": {"name": 7, "confidence": 0.9}},
        {"intent": {"name": "incident", "confidence": 0.9}, "intent_ranking": "incident"},
        {"intent": {"name": "incident", "confidence": 0.9}, "intent_ranking": [{"name": "incident"}]},
        {"intent": {"name": "incident", "confidence": 0.9}, "intent_ranking": ["incident"]},
        {"intent": {"name": "incident", "confidence": None}},
        {"intent": {"name": "incident", "confidence": True}},
    ],
)
def test_json_of_the_wrong_shape_degrades(
    rasa: FakeRasa, backend: RasaNlu, builtin: BuiltinNlu, answer: Any
) -> None:
    rasa.default = Reply(body=answer)

    assert backend.parse(INCIDENT_TEXT) == degraded(builtin, INCIDENT_TEXT)
    assert len(rasa.requests) == 1


@pytest.mark.parametrize("confidence", ["0.97", "NaN"])
def test_confidence_that_is_not_a_number_degrades(
    rasa: FakeRasa, backend: RasaNlu, builtin: BuiltinNlu, confidence: str
) -> None:
    answer = parse_answer(INCIDENT_TEXT, [("incident", 0.97)])
    answer["intent"]["confidence"] = confidence if confidence != "NaN" else float("nan")
    rasa.default = Reply(body=json.dumps(answer).encode())  # NaN: Python's json writes and reads it

    assert backend.parse(INCIDENT_TEXT) == degraded(builtin, INCIDENT_TEXT)


# --- the circuit breaker --------------------------------------------------------------------------------


def test_after_a_failure_rasa_is_skipped_during_the_cooldown(
    rasa: FakeRasa, backend: RasaNlu, builtin: BuiltinNlu, ticks: Monotonic
) -> None:
    rasa.default = Reply(503, error_body(503, "ServiceUnavailable"))
    backend.parse(INCIDENT_TEXT)
    assert len(rasa.requests) == 2
    rasa.default = Reply(body=parse_answer("Hallo", [("greet", 0.99)]))  # it is back, but we do not know

    for _ in range(3):
        ticks.now += 9.9
        assert backend.parse("Hallo") == degraded(builtin, "Hallo")
    assert len(rasa.requests) == 2  # no request, so no timeout to wait for


def test_after_the_cooldown_rasa_is_tried_again_and_a_success_closes_the_breaker(
    rasa: FakeRasa, backend: RasaNlu, ticks: Monotonic, caplog: pytest.LogCaptureFixture
) -> None:
    rasa.script(*[Reply(500, error_body(500, "ParsingError"))] * 4)
    rasa.default = Reply(body=parse_answer("Hallo", [("greet", 0.99)]))

    with caplog.at_level(logging.INFO, logger="nlu.rasa"):
        assert backend.parse("Hallo")["nlu_degraded"] is True
        ticks.now += 30.0
        assert backend.parse("Hallo")["nlu_degraded"] is True  # tried again: still failing
        assert len(rasa.requests) == 4
        ticks.now += 30.0
        result = backend.parse("Hallo")
        result_after = backend.parse("Hallo")  # closed: the next message goes straight to Rasa

    assert result["intent"] == {"name": "greet", "confidence": 0.99} and "nlu_degraded" not in result
    assert "nlu_degraded" not in result_after
    assert len(rasa.requests) == 6
    levels = [(r.levelname, r.getMessage().split(" (")[0]) for r in caplog.records]
    assert levels == [
        ("WARNING", f"Rasa NLU at {rasa.url} unavailable"),  # once for the whole outage
        ("INFO", f"Rasa reachable again at {rasa.url}; using it for intents"),
    ]


def test_while_one_thread_probes_rasa_the_others_do_not_wait_for_it(
    rasa: FakeRasa, backend: RasaNlu, builtin: BuiltinNlu, ticks: Monotonic
) -> None:
    rasa.script(Reply(500, error_body(500, "ParsingError")), Reply(500, error_body(500, "ParsingError")))
    backend.parse("Hallo")  # fails: the breaker opens
    rasa.default = Reply(body=parse_answer("Hallo", [("greet", 0.99)]), block=True)  # back, but slow
    rasa.received.clear()
    ticks.now += 31.0

    probe: dict[str, Any] = {}
    prober = threading.Thread(target=lambda: probe.update(backend.parse("Hallo")))
    prober.start()
    try:
        assert rasa.received.wait(5.0)  # the probe is at the server, waiting for its answer
        assert backend.parse("Hallo") == degraded(builtin, "Hallo")  # answered at once, no request
        assert len(rasa.requests) == 3
    finally:
        rasa.release.set()
        prober.join(5.0)
    assert probe["intent"]["name"] == "greet" and "nlu_degraded" not in probe


# --- configuration --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("ftp://rasa.example:5005", "http:// or https://"),
        ("localhost:5005", "http:// or https://"),
        ("", "http:// or https://"),
        ("http://:5005", "no host"),
        ("http://localhost:99999", "port"),
        ("http://admin:pw@localhost:5005", "?token="),
    ],
)
def test_a_bad_url_is_refused_at_construction(builtin: BuiltinNlu, url: str, complaint: str) -> None:
    with pytest.raises(ValueError, match="Rasa server URL") as raised:
        RasaNlu(url, builtin)
    assert complaint in str(raised.value)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("ftp://admin:s3cret@rasa.example:5005/rasa?token=t0ken", "ftp://rasa.example:5005/rasa"),
        ("admin:s3cret@rasa.example:5005?token=t0ken", "rasa.example:5005"),
        ("rasa.example:5005/?token=t0ken#s3cret", "rasa.example:5005/"),
    ],
)
def test_a_refused_url_is_shown_without_credentials_or_token(
    builtin: BuiltinNlu, url: str, shown: str
) -> None:
    with pytest.raises(ValueError, match="http:// or https://") as raised:
        RasaNlu(url, builtin)
    message = str(raised.value)
    assert message.endswith(f"got {shown!r}")
    assert "admin" not in message and "s3cret" not in message and "t0ken" not in message


def test_is_an_nlu_backend_with_the_decision_settings_of_rasa_config(builtin: BuiltinNlu) -> None:
    backend = RasaNlu("https://rasa.internal", builtin)
    config = yaml.safe_load((REPO / "rasa" / "config.yml").read_text(encoding="utf-8"))
    fallback = next(c for c in config["pipeline"] if c["name"] == "FallbackClassifier")

    assert isinstance(backend, NluBackend)
    assert (backend.threshold, backend.margin) == (DEFAULT_THRESHOLD, DEFAULT_MARGIN)
    assert (fallback["threshold"], fallback["ambiguity_threshold"]) == (DEFAULT_THRESHOLD, DEFAULT_MARGIN)


# --- what the user sees ---------------------------------------------------------------------------------


def test_with_rasa_down_the_bot_says_so_and_still_handles_the_request(
    sqlite_url: str, builtin: BuiltinNlu, demo_config: DeskConfig
) -> None:
    channel, clock = MemoryChannel(), FakeClock()
    app = make_app(sqlite_url, channel, clock, RasaNlu(closed_port_url(), builtin), demo_config)
    try:
        bot = DeskBot(app, channel, clock)
        replies = [m.text for m in bot.say("alice", INCIDENT_TEXT)]
    finally:
        app.close()

    assert replies[0].startswith("Ich kann dich gerade nur eingeschränkt verstehen")
    assert any("betroffen" in text for text in replies[1:])  # the incident dialogue goes on
