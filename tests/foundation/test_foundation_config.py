"""Config loading: defaults, validation errors that name file and key, docs coverage."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk import config as configmod
from kiosk.config import ConfigError

DOCS = Path(__file__).resolve().parents[2] / "docs" / "config.md"


def test_defaults_load_without_a_file(monkeypatch, tmp_path):
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    cfg = configmod.load(configmod.resolve_path(None))
    assert cfg.station.number == "0001"
    assert cfg.submission.max_text_chars == 5000
    assert Path(cfg.storage.data_dir) == tmp_path / "minyi-kiosk"
    assert not Path(cfg.storage.key_file).is_relative_to(cfg.storage.data_path)


def test_env_var_names_the_file(monkeypatch, write_config):
    p = write_config()
    monkeypatch.setenv("KIOSK_CONFIG", str(p))
    assert configmod.resolve_path(None) == p
    assert configmod.resolve_path("/other.toml") == Path("/other.toml")


def test_relative_paths_resolve_against_the_file(tmp_path):
    p = tmp_path / "k.toml"
    p.write_text('[storage]\ndata_dir = "d"\n')
    cfg = configmod.load(p)
    assert cfg.storage.data_dir == str(tmp_path / "d")


def test_categories_from_file(write_config):
    cfg = configmod.load(_with_categories(write_config))
    assert [c.id for c in cfg.submission.categories] == ["roads", "noise"]
    assert cfg.submission.category("roads").name("en") == "Roads"
    assert cfg.submission.category("noise").name("zh-TW") == "噪音"


def _with_categories(write_config):
    return write_config('[submission]\nmax_text_chars = 100\n'
                        '[[submission.categories]]\nid = "roads"\nnames = { "zh-CN" = "道路", en = "Roads" }\n'
                        '[[submission.categories]]\nid = "noise"\nnames = { "zh-CN" = "噪音" }\n')


@pytest.mark.parametrize("text, key, words", [
    ('[station]\nnumbr = "1"\n', "station.numbr", "unknown key"),
    ('[nosuch]\nx = 1\n', "nosuch", "unknown key"),
    ('[submission]\nmax_text_chars = "many"\n', "submission.max_text_chars", "expected an integer"),
    ('[submission]\nmax_text_chars = true\n', "submission.max_text_chars", "expected an integer"),
    ('[submission]\nmax_text_chars = 0\n', "submission.max_text_chars", "1 to 100000"),
    ('[station]\nnumber = 371\n', "station.number", "expected a string"),
    ('[station]\nnumber = "371"\n', "station.number", "exactly 4 digits"),
    ('[submission]\nallowed_media_types = "image/png"\n', "submission.allowed_media_types", "expected a list"),
    ('[submission]\nallowed_media_types = ["png"]\n', "submission.allowed_media_types", "media types"),
    ('[[submission.categories]]\nid = "Bad Id"\nnames = { "zh-CN" = "x" }\n', "submission.categories[0].id", "a-z"),
    ('[[submission.categories]]\nid = "a"\nnames = { en = "x" }\n', "submission.categories[0].names", "zh-CN"),
    ('[[submission.categories]]\nid = "a"\nnames = { "zh-CN" = "x" }\n[[submission.categories]]\nid = "a"\nnames = { "zh-CN" = "y" }\n',
     "submission.categories", "duplicate id"),
    ('[storage]\nmin_free_mb = -1\n', "storage.min_free_mb", "0 or more"),
])
def test_bad_values_name_file_and_key(tmp_path, text, key, words):
    p = tmp_path / "bad.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        configmod.load(p)
    msg = str(e.value)
    assert str(p) in msg
    assert e.value.key == key
    assert f"{key}:" in msg
    assert words in msg


def test_unparseable_and_missing_files(tmp_path):
    p = tmp_path / "broken.toml"
    p.write_text("[station\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        configmod.load(p)
    with pytest.raises(ConfigError, match="file not found"):
        configmod.load(tmp_path / "absent.toml")
    p.write_bytes(b"\xff\xfe[station]")
    with pytest.raises(ConfigError, match="not UTF-8"):
        configmod.load(p)


def test_every_key_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_]+(?:\.[a-z_]+)+)`", text))
    missing = [k for k in configmod.all_keys() if k not in documented]
    assert not missing, f"keys missing from docs/config.md: {missing}"


def test_cli_reports_config_error_with_exit_code_3(tmp_path, capsys):
    from kiosk.cli import main as cli
    p = tmp_path / "bad.toml"
    p.write_text('[station]\nnumber = "12"\n')
    assert cli.main(["--config", str(p), "status", "0371-000001-2"]) == cli.EXIT_CONFIG
    err = capsys.readouterr().err
    assert "station.number" in err and str(p) in err
