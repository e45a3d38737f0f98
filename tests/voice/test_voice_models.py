"""`kiosk models install`: URL (real HTTP on 127.0.0.1, resumable), zip, directory; every failure
is a named error and leaves the model in use untouched."""

import hashlib
import json
import os
import threading
import zipfile
from pathlib import Path

import pytest

from kiosk.cli import main as cli
from kiosk.voice import install as inst
from kiosk.voice import models as layout

FILES = {"am/final.mdl": b"acoustic model", "conf/mfcc.conf": b"--sample-frequency=16000\n",
         "conf/model.conf": b"--beam=10\n", "graph/HCLr.fst": b"hclr", "graph/Gr.fst": b"gr",
         "graph/phones/word_boundary.int": b"1 nonword\n", "ivector/final.ie": b"ie"}


def make_zip(path: Path, top: str = "vosk-model-test-1.0", files=FILES, extra=()) -> Path:
    """A zip laid out like the Vosk site's: one top folder holding the model files."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(f"{top}/{name}" if top else name, data)
        for name, data in extra:
            z.writestr(name, data)
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class FileServer:
    """Serves a directory over real HTTP (waitress) with Range support and failure modes."""

    def __init__(self, root: Path):
        from waitress.server import create_server
        self.root = root
        self.truncate_next = 0  # serve only this many bytes of the next response, then drop
        self.ranges = True
        self.requests: list[dict] = []
        self.server = create_server(self.app, host="127.0.0.1", port=0, threads=2,
                                    asyncore_loop_timeout=0.1)
        self.closing = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            self.server.run()
        except OSError:  # close() from the test thread pulls the socket from under select()
            if not self.closing:
                raise

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.effective_port}"

    def app(self, environ, start):
        path = self.root / environ["PATH_INFO"].lstrip("/")
        rng = environ.get("HTTP_RANGE")
        self.requests.append({"path": environ["PATH_INFO"], "range": rng})
        if not path.is_file():
            start("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        data = path.read_bytes()
        status, headers, body = "200 OK", [], data
        if rng and self.ranges:
            first = int(rng.split("=")[1].split("-")[0])
            if first >= len(data):
                start("416 Range Not Satisfiable", [("Content-Range", f"bytes */{len(data)}")])
                return [b""]
            body = data[first:]
            status = "206 Partial Content"
            headers.append(("Content-Range", f"bytes {first}-{len(data) - 1}/{len(data)}"))
        headers += [("Content-Length", str(len(body))), ("Content-Type", "application/zip"),
                    ("Accept-Ranges", "bytes" if self.ranges else "none")]
        start(status, headers)
        if self.truncate_next:
            cut, self.truncate_next = self.truncate_next, 0
            return [body[:cut]]  # waitress drops the connection: a truncated download
        return [body]

    def close(self):
        self.closing = True
        self.server.close()
        self.thread.join(5)


@pytest.fixture
def server(tmp_path):
    d = tmp_path / "www"
    d.mkdir()
    s = FileServer(d)
    yield s
    s.close()


@pytest.fixture
def root(tmp_path):
    return tmp_path / "models"


@pytest.fixture
def installed_old(root, tmp_path):
    """A first model already installed and current (the one that must survive failures)."""
    r = inst.install(str(make_zip(tmp_path / "old.zip", top="vosk-model-old")), root)
    assert layout.current_name(root) == "vosk-model-old"
    return r


def assert_old_kept(root):
    assert layout.current_name(root) == "vosk-model-old"
    assert layout.model_problem(root / layout.CURRENT) is None
    names = [p.name for p in root.iterdir() if not p.name.startswith(".")]
    assert sorted(names) == ["current", "vosk-model-old"]
    assert not [p for p in root.iterdir() if p.name.startswith(".staging-")]


def test_good_zip_from_a_file(root, tmp_path, installed_old):
    z = make_zip(tmp_path / "new.zip")
    r = inst.install(str(z), root, sha(z))
    assert r.name == "vosk-model-test-1.0" and r.verified and r.previous == "vosk-model-old"
    assert layout.current_name(root) == "vosk-model-test-1.0"
    assert os.readlink(root / "current") == "vosk-model-test-1.0"  # relative link
    assert (root / "current" / "am" / "final.mdl").read_bytes() == b"acoustic model"
    assert layout.read_meta(root / "current")["sha256"] == sha(z)
    listed = {m.name: m for m in layout.list_models(root)}
    assert set(listed) == {"vosk-model-old", "vosk-model-test-1.0"}  # the old one is kept
    assert listed["vosk-model-test-1.0"].current and not listed["vosk-model-old"].current


def test_reinstall_same_name_gets_a_new_directory(root, tmp_path, installed_old):
    inst.install(str(make_zip(tmp_path / "a.zip", top="vosk-model-old")), root)
    assert layout.current_name(root) == "vosk-model-old-2"
    assert (root / "vosk-model-old").is_dir()


def test_wrong_checksum(root, tmp_path, installed_old):
    z = make_zip(tmp_path / "new.zip")
    with pytest.raises(inst.ChecksumMismatch, match="SHA-256 of new.zip is"):
        inst.install(str(z), root, "0" * 64)
    assert_old_kept(root)


def test_known_archive_name_is_verified_without_sha256_option(root, tmp_path, installed_old):
    z = make_zip(tmp_path / "vosk-model-small-cn-0.22.zip")  # same name, other content
    with pytest.raises(inst.ChecksumMismatch, match=layout.DEFAULT_MODEL_SHA256):
        inst.install(str(z), root)
    assert_old_kept(root)


def test_zip_with_parent_paths(root, tmp_path, installed_old):
    z = make_zip(tmp_path / "evil.zip", extra=[("vosk-model-test-1.0/../../evil.txt", b"pwned")])
    with pytest.raises(inst.UnsafeArchive, match=r"unsafe path .*\.\./\.\./evil\.txt"):
        inst.install(str(z), root)
    assert not (tmp_path / "evil.txt").exists() and not (root.parent / "evil.txt").exists()
    assert_old_kept(root)


def test_zip_with_absolute_path(root, tmp_path, installed_old):
    z = make_zip(tmp_path / "abs.zip", extra=[("/tmp/evil-abs.txt", b"pwned")])
    with pytest.raises(inst.UnsafeArchive):
        inst.install(str(z), root)
    assert_old_kept(root)


def test_zip_with_symlink(root, tmp_path, installed_old):
    z = make_zip(tmp_path / "link.zip")
    with zipfile.ZipFile(z, "a") as zf:
        info = zipfile.ZipInfo("vosk-model-test-1.0/am/link")
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(inst.UnsafeArchive, match="symbolic link"):
        inst.install(str(z), root)
    assert_old_kept(root)


def test_missing_files_inside(root, tmp_path, installed_old):
    files = {k: v for k, v in FILES.items() if k not in ("am/final.mdl", "graph/Gr.fst")}
    z = make_zip(tmp_path / "partial.zip", files=files)
    with pytest.raises(inst.ModelIncomplete, match=r"missing am/final\.mdl, graph/HCLG\.fst"):
        inst.install(str(z), root)
    assert_old_kept(root)


def test_truncated_zip_file(root, tmp_path, installed_old):
    z = make_zip(tmp_path / "whole.zip")
    cut = tmp_path / "cut.zip"
    cut.write_bytes(z.read_bytes()[: z.stat().st_size // 2])
    with pytest.raises(inst.CorruptArchive, match="not a complete zip"):
        inst.install(str(cut), root)
    assert_old_kept(root)


def test_missing_source(root, tmp_path, installed_old):
    with pytest.raises(inst.SourceNotFound, match="does not exist"):
        inst.install(str(tmp_path / "nope.zip"), root)
    assert_old_kept(root)


def test_directory_source(root, tmp_path, installed_old):
    d = tmp_path / "usb" / "vosk-model-dir-2.0"
    for name, data in FILES.items():
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        (d / name).write_bytes(data)
    r = inst.install(str(d), root)
    assert r.name == "vosk-model-dir-2.0" and not r.verified
    assert layout.current_name(root) == "vosk-model-dir-2.0"
    assert (d / "am" / "final.mdl").exists()  # the stick is untouched


def test_download_good(root, tmp_path, server, installed_old):
    z = make_zip(server.root / "vosk-model-test-1.0.zip")
    progress = []
    r = inst.install(f"{server.base}/vosk-model-test-1.0.zip", root, sha(z),
                     progress=lambda done, total: progress.append((done, total)))
    assert r.verified and layout.current_name(root) == "vosk-model-test-1.0"
    assert progress[-1] == (z.stat().st_size, z.stat().st_size)
    assert not list((root / inst.DOWNLOADS).iterdir())  # the download is cleaned up


def test_truncated_download_then_resume_with_range(root, server, installed_old):
    z = make_zip(server.root / "big.zip", files={**FILES, "am/final.mdl": os.urandom(300_000)})
    url = f"{server.base}/big.zip"
    server.truncate_next = 100_000
    with pytest.raises(inst.IncompleteDownload, match="stopped after 100000 of .* run the same command again"):
        inst.install(url, root, sha(z))
    assert_old_kept(root)
    part = root / inst.DOWNLOADS / "big.zip.part"
    assert part.stat().st_size == 100_000
    r = inst.install(url, root, sha(z))  # resumes
    assert server.requests[-1]["range"] == "bytes=100000-"
    assert r.verified and layout.current_name(root) == "vosk-model-test-1.0"
    assert not part.exists()


def test_server_without_range_restarts_cleanly(root, server, installed_old):
    z = make_zip(server.root / "m.zip")
    url = f"{server.base}/m.zip"
    server.truncate_next, server.ranges = 500, False
    with pytest.raises(inst.IncompleteDownload):
        inst.install(url, root, sha(z))
    r = inst.install(url, root, sha(z))
    assert r.verified and layout.current_name(root) == "vosk-model-test-1.0"


def test_download_with_wrong_checksum_is_deleted(root, server, installed_old):
    make_zip(server.root / "m.zip")
    with pytest.raises(inst.ChecksumMismatch):
        inst.install(f"{server.base}/m.zip", root, "f" * 64)
    assert_old_kept(root)
    assert not list((root / inst.DOWNLOADS).iterdir())  # never resumed onto a bad file


def test_http_404(root, server, installed_old):
    with pytest.raises(inst.DownloadError, match="HTTP 404"):
        inst.install(f"{server.base}/missing.zip", root)
    assert_old_kept(root)


def test_offline_message_says_how_to_install_from_a_file(root, installed_old):
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there: connection refused, as with no network
    with pytest.raises(inst.OfflineError) as e:
        inst.install(f"http://127.0.0.1:{port}/vosk-model-small-cn-0.22.zip", root)
    assert "kiosk models install /media/usb/vosk-model-small-cn-0.22.zip" in str(e.value)
    assert_old_kept(root)


# --------------------------------------------------------------------------- the command


def run_cli(capsys, *argv):
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out


def test_cli_install_list_and_errors(capsys, write_config, tmp_path, server):
    cfg = str(write_config())
    z = make_zip(server.root / "vosk-model-test-1.0.zip")
    code, out = run_cli(capsys, "--config", cfg, "models", "install", f"{server.base}/vosk-model-test-1.0.zip",
                        "--sha256", sha(z), "--json")
    assert code == cli.EXIT_OK, out
    data = json.loads(out.out)
    assert data["ok"] and data["verified"] and data["name"] == "vosk-model-test-1.0"
    assert Path(data["models_dir"]) == tmp_path / "data" / "models"
    assert "downloading:" in out.err  # progress on stderr

    code, out = run_cli(capsys, "--config", cfg, "models", "list", "--json")
    listed = json.loads(out.out)
    assert code == 0 and listed["current"] == "vosk-model-test-1.0"
    assert [m["name"] for m in listed["models"]] == ["vosk-model-test-1.0"]

    bad = make_zip(tmp_path / "evil.zip", extra=[("../x", b"")])
    code, out = run_cli(capsys, "--config", cfg, "models", "install", str(bad), "--json")
    err = json.loads(out.out)
    assert code == cli.EXIT_INVALID and err["error_code"] == "unsafe_archive"
    assert "the model in use is unchanged" in err["error"]

    code, out = run_cli(capsys, "--config", cfg, "models", "install", str(z), "--sha256", "xyz")
    assert code == cli.EXIT_USAGE and "64 hexadecimal digits" in out.err

    code, out = run_cli(capsys, "--config", cfg, "models", "list")
    assert "* vosk-model-test-1.0" in out.out


def test_cli_default_source_is_the_small_mandarin_model(monkeypatch, capsys, write_config):
    """No SOURCE: the built-in URL and SHA-256 are used (no internet here: the offline message)."""
    seen = {}

    def fake_install(source, root, expected, progress=None):
        seen.update(source=source, expected=expected)
        raise inst.OfflineError("cannot reach alphacephei.com; " + inst.OFFLINE_HELP.format(
            name="vosk-model-small-cn-0.22.zip"))

    monkeypatch.setattr(inst, "install", fake_install)
    code, out = run_cli(capsys, "--config", str(write_config()), "models", "install")
    assert seen == {"source": layout.DEFAULT_MODEL_URL, "expected": layout.DEFAULT_MODEL_SHA256}
    assert code == cli.EXIT_FAIL and "kiosk models install /media/usb/" in out.err


def test_zip_without_top_folder_is_named_after_the_file(root, tmp_path, installed_old):
    z = make_zip(tmp_path / "flat-model.zip", top="")
    r = inst.install(str(z), root)
    assert r.name == "flat-model" and layout.current_name(root) == "flat-model"
    assert (root / "flat-model").stat().st_mode & 0o777 == 0o755
    assert layout.model_problem(root / "current") is None


def test_downloaded_corrupt_archive_is_not_kept(root, server, installed_old):
    (server.root / "page.zip").write_bytes(b"<html>captive portal login</html>")
    with pytest.raises(inst.CorruptArchive):
        inst.install(f"{server.base}/page.zip", root)
    assert_old_kept(root)
    assert not list((root / inst.DOWNLOADS).iterdir())


def test_leftover_staging_from_a_power_cut_is_cleaned(root, tmp_path, installed_old):
    (root / ".staging-dead" / "half").mkdir(parents=True)
    inst.install(str(make_zip(tmp_path / "new.zip")), root)
    assert not (root / ".staging-dead").exists()
    assert layout.current_name(root) == "vosk-model-test-1.0"


def test_concurrent_install_is_refused(root, tmp_path, installed_old):
    with inst._install_lock(root):
        with pytest.raises(inst.ModelInstallError, match="another `kiosk models install` is running"):
            inst.install(str(make_zip(tmp_path / "new.zip")), root)
    assert_old_kept(root)
