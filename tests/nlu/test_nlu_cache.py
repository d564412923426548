from __future__ import annotations

from pathlib import Path

import pytest

from nlu.cache import cache_path, load_or_train


def test_second_load_uses_the_cache(tiny_data: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = load_or_train(tiny_data, cache)
    path = cache_path(tiny_data, cache)
    written = path.stat().st_mtime_ns

    second = load_or_train(tiny_data, cache)

    assert (first.origin, second.origin) == ("trained", "cache")
    assert path.stat().st_mtime_ns == written
    assert second.parse("VPN kaputt") == first.parse("VPN kaputt")
    assert [p.name for p in cache.iterdir()] == [path.name]  # no temporary files left behind


def test_changed_data_is_retrained(tiny_data: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_or_train(tiny_data, cache)
    old_path = cache_path(tiny_data, cache)
    with (tiny_data / "en" / "greet.yml").open("a", encoding="utf-8") as f:
        f.write("    - howdy\n")

    retrained = load_or_train(tiny_data, cache)

    assert retrained.origin == "trained"
    assert cache_path(tiny_data, cache) != old_path


@pytest.mark.parametrize("garbage", [b"", b"not a pickle", b"\x80\x04\x95truncated"])
def test_corrupt_cache_is_retrained_and_replaced(tiny_data: Path, tmp_path: Path, garbage: bytes) -> None:
    cache = tmp_path / "cache"
    path = cache_path(tiny_data, cache)
    cache.mkdir()
    path.write_bytes(garbage)

    recovered = load_or_train(tiny_data, cache)

    assert recovered.origin == "trained"
    assert recovered.parse("Hallo")["intent"]["name"] == "greet"
    assert load_or_train(tiny_data, cache).origin == "cache"


def test_force_retrains(tiny_data: Path, tmp_path: Path) -> None:
    load_or_train(tiny_data, tmp_path)
    assert load_or_train(tiny_data, tmp_path, force=True).origin == "trained"


def test_cache_dir_from_environment(tiny_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPOC_CACHE_DIR", str(tmp_path / "env-cache"))
    load_or_train(tiny_data)
    assert cache_path(tiny_data).parent == tmp_path / "env-cache"
    assert cache_path(tiny_data).exists()


def test_unwritable_cache_location_still_gives_an_engine(tiny_data: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("the cache dir cannot be created below a file", encoding="utf-8")
    nlu = load_or_train(tiny_data, blocker / "cache")
    assert nlu.parse("Hallo")["intent"]["name"] == "greet"
