"""`kiosk submit`: the text from a file or standard input (strict UTF-8, the same limits,
named errors), `--text -` refused, `--category` by a shown name in any language, `--attach`
of a directory or a missing file; and `kiosk --version` (docs/cli.md)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import config as configmod
from kiosk.cli import main as cli
from kiosk.core.categories import DEFAULT_CATEGORIES, Categories, UnknownCategory
from kiosk.core.store import Store

REPO = Path(__file__).resolve().parents[2]
LONG = '[submission]\nmax_text_chars = 100000\n'


@pytest.fixture
def kiosk(capsys, monkeypatch):
    """`kiosk --json ARGV…` in this process with *stdin* bytes; (exit code, JSON answer)."""
    def run(conf, *argv, stdin: bytes = b""):
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
        capsys.readouterr()
        code = cli.main(["--config", str(conf), "--json", *argv])
        return code, json.loads(capsys.readouterr().out)
    return run


def stored(conf) -> list:
    cfg = configmod.load(conf)
    if not cfg.storage.db_path.exists():
        return []
    with Store.open(cfg) as s:
        return s.list_items(with_attachments=False)


def test_text_file_and_standard_input_carry_a_long_text(write_config, kiosk, tmp_path):
    conf = write_config(LONG)
    text = "小区东门的路灯坏了三个月。\n" * 7000  # 91 000 characters, 273 kB: too long for argv
    f = tmp_path / "letter.txt"
    f.write_bytes(text.encode("utf-8"))
    code, out = kiosk(conf, "submit", "--text-file", str(f))
    assert code == 0, out
    code, out2 = kiosk(conf, "submit", "--text-file", "-", stdin=("\ufeff" + text).encode("utf-8"))
    assert code == 0, out2
    items = {str(i.code): i for i in stored(conf)}
    assert items[out["code"]].text == items[out2["code"]].text == text.strip()  # BOM dropped like --text's


def test_standard_input_through_a_pipe(write_config, tmp_path):
    conf = write_config()
    p = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(conf), "--json", "submit",
                        "--text-file", "-"], input="楼道灯不亮\r\n请尽快修理\r\n".encode("utf-8"),
                       capture_output=True, timeout=120, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert p.returncode == 0, p.stderr
    code = json.loads(p.stdout)["code"]
    assert [i.text for i in stored(conf) if str(i.code) == code] == ["楼道灯不亮\n请尽快修理"]


@pytest.mark.parametrize("content, reason, words", [
    ("路灯坏了".encode("gb18030"), "not_utf8", "not UTF-8 (byte 0xb5 at offset 2, line 1)"),  # c2 b7 is "·"
    (b"line one\nline two \xff\n", "not_utf8", "offset 18, line 2"),
    (b" \n\t\r\n ", "empty", "holds no text"),
    (b"", "empty", "holds no text"),
])
def test_text_file_errors_are_named(write_config, kiosk, tmp_path, content, reason, words):
    conf = write_config()
    f = tmp_path / "in.txt"
    f.write_bytes(content)
    code, out = kiosk(conf, "submit", "--text-file", str(f))
    assert code == cli.EXIT_INVALID and out["reason"] == reason and out["field"] == "text", out
    assert out["error"].startswith(f"--text-file {f}: ") and words in out["error"], out["error"]
    code, out = kiosk(conf, "submit", "--text-file", "-", stdin=content)
    assert code == cli.EXIT_INVALID and out["reason"] == reason, out
    assert out["error"].startswith("--text-file standard input: ")
    assert stored(conf) == []


def test_text_file_limits_are_the_texts(write_config, kiosk, tmp_path):
    conf = write_config('[submission]\nmax_text_chars = 10\n')
    f = tmp_path / "in.txt"
    f.write_text("一二三四五六七八九十\n", encoding="utf-8")  # exactly the limit, once cleaned
    assert kiosk(conf, "submit", "--text-file", str(f))[0] == 0
    f.write_text("一二三四五六七八九十一", encoding="utf-8")
    code, out = kiosk(conf, "submit", "--text-file", str(f))
    assert code == cli.EXIT_INVALID and out["field"] == "text"
    assert out["error"] == f"--text-file {f}: text is 11 characters, more than the limit of 10"
    assert kiosk(conf, "submit", "--text", "一二三四五六七八九十一")[1]["error"] == \
        "text is 11 characters, more than the limit of 10"  # the same rule, from the submission
    f.write_bytes(b"x" * (4 * 10 + 64 * 1024 + 1))  # more than any 10-character text can be
    code, out = kiosk(conf, "submit", "--text-file", str(f))
    assert code == cli.EXIT_INVALID and out["reason"] == "too_long" and "submission.max_text_chars" in out["error"]


def test_a_missing_text_file_or_a_directory(write_config, kiosk, tmp_path):
    conf = write_config()
    code, out = kiosk(conf, "submit", "--text-file", str(tmp_path / "nope.txt"))
    assert code == cli.EXIT_NOT_FOUND and out["reason"] == "not_found" and "no such file" in out["error"]
    code, out = kiosk(conf, "submit", "--text-file", str(tmp_path))
    assert code == cli.EXIT_INVALID and out["reason"] == "directory" and "is a directory" in out["error"]


def test_a_lone_dash_is_not_stored_as_the_text(write_config, kiosk, tmp_path):
    conf = write_config()
    code, out = kiosk(conf, "submit", "--text", "-", stdin="真正的内容".encode("utf-8"))
    assert code == cli.EXIT_USAGE and "--text-file -" in out["error"], out
    assert stored(conf) == []
    f = tmp_path / "t.txt"
    f.write_text("x", encoding="utf-8")
    with pytest.raises(SystemExit) as e:  # one text source, not two
        cli.main(["--config", str(conf), "submit", "--text", "a", "--text-file", str(f)])
    assert e.value.code == cli.EXIT_USAGE


def test_attach_of_a_directory_or_a_missing_file_says_which(write_config, kiosk, tmp_path):
    conf = write_config()
    (tmp_path / "photos").mkdir()
    code, out = kiosk(conf, "submit", "--text", "x", "--attach", str(tmp_path / "photos"))
    assert code == cli.EXIT_INVALID and out["reason"] == "directory", out
    assert f"--attach {tmp_path / 'photos'}: is a directory" in out["error"] and "media type" not in out["error"]
    code, out = kiosk(conf, "submit", "--text", "x", "--attach", str(tmp_path / "gone.jpg"))
    assert code == cli.EXIT_NOT_FOUND and out["reason"] == "not_found" and "no such file" in out["error"]
    assert stored(conf) == []


@pytest.mark.parametrize("typed", ["urban", "城乡建设", "城鄉建設", "Urban development", "urban  DEVELOPMENT",
                                   "ＵＲＢＡＮ"])
def test_category_by_id_or_shown_name_in_any_language(write_config, kiosk, typed):
    conf = write_config()
    code, out = kiosk(conf, "submit", "--text", "x", "--category", typed)
    assert code == 0, out
    assert [i.category for i in stored(conf)] == ["urban"]


def test_an_unknown_category_lists_the_valid_ones(write_config, kiosk):
    conf = write_config()
    code, out = kiosk(conf, "submit", "--text", "x", "--category", "路灯")
    assert code == cli.EXIT_INVALID and out["field"] == "category" and out["reason"] == "unknown"
    assert "unknown category '路灯'" in out["error"] and "urban (城乡建设 / 城鄉建設 / Urban development)" in out["error"]
    assert out["choices"]["traffic"] == {"zh-CN": "交通出行", "zh-TW": "交通出行", "en": "Roads and transport"}
    assert stored(conf) == []


def test_the_centres_names_are_looked_up_once_applied(write_config, kiosk):
    from kiosk.core.station_config import apply
    conf = write_config()
    doc = {"version": "3", "categories": [
        {"id": "roads", "names": {"zh-CN": "道路桥梁", "zh-TW": "道路橋樑", "en": "Roads and bridges"}}]}
    with Store.open(configmod.load(conf)) as s:
        apply(s, json.dumps(doc, ensure_ascii=False).encode("utf-8"), '"e3"')
    assert kiosk(conf, "submit", "--text", "x", "--category", "道路橋樑")[0] == 0
    code, out = kiosk(conf, "submit", "--text", "x", "--category", "城乡建设")  # local only: replaced
    assert code == cli.EXIT_INVALID and "centre's station config" in out["error"]
    assert [i.category for i in stored(conf)] == ["roads"]


def test_find_is_the_one_lookup():
    cats = Categories(DEFAULT_CATEGORIES, "local")
    assert {cats.find(n).id for n in ("其他", "Other", "other", " OTHER ")} == {"other"}
    shared = Categories((*DEFAULT_CATEGORIES[:1],
                         type(DEFAULT_CATEGORIES[0])("roads", {"zh-CN": "道路", "en": "城乡建设"})), "local")
    with pytest.raises(UnknownCategory, match=r"names more than one category \(urban, roads\): give the id"):
        shared.find("城乡建设")
    assert shared.find("roads").id == "roads"


def test_version_is_the_installed_package_with_schema_and_protocol():
    from importlib import metadata

    from kiosk.core.schema import schema_version
    from kiosk.sync.wire import PROTOCOL_VERSION
    p = subprocess.run([sys.executable, "-m", "kiosk", "--version"], capture_output=True, text=True,
                       timeout=60, cwd=REPO)
    assert p.returncode == 0, p.stderr
    try:
        version = metadata.version("minyi-kiosk")
    except metadata.PackageNotFoundError:
        version = "0+unknown"
    assert p.stdout == f"kiosk {version} (schema {schema_version()}, protocol {PROTOCOL_VERSION})\n"
    assert re.fullmatch(r"\d+\.\d+\.\d+.*|0\+unknown", version)
