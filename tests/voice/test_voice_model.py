"""ModelHolder: loaded once per process, in the background, with a visible state."""

import threading

from kiosk.voice.model import ModelHolder, ModelState, holder_for


def test_absent_when_nothing_is_installed(tmp_path):
    h = ModelHolder(tmp_path / "models" / "current")
    assert h.state is ModelState.ABSENT and h.reason == "not loaded yet" and h.model is None
    h.start_loading()
    assert h.state == "absent"
    assert "no speech model installed at" in h.reason and "kiosk models install" in h.reason
    assert h.snapshot()["state"] == "absent"


def test_incomplete_model_is_absent_with_the_missing_files(tmp_path):
    (tmp_path / "m" / "am").mkdir(parents=True)
    h = ModelHolder(tmp_path / "m")
    h.start_loading()
    assert h.state is ModelState.ABSENT and "missing" in h.reason and "conf/mfcc.conf" in h.reason


def test_background_load_states_and_listeners(ko_model_dir):
    gate = threading.Event()
    loads = []

    def loader(path):
        loads.append(path)
        gate.wait(10)
        return "the model"

    h = ModelHolder(ko_model_dir, loader=loader)
    seen = []
    h.add_listener(lambda holder: seen.append(holder.state.value))
    h.start_loading()  # returns at once
    assert h.state is ModelState.LOADING and h.model is None
    h.start_loading()  # idempotent: still one load
    assert h.wait(0.05) is ModelState.LOADING
    gate.set()
    assert h.wait(10) is ModelState.READY
    assert h.model == "the model" and len(loads) == 1 and h.load_seconds is not None
    assert seen == ["loading", "ready"]
    assert h.sample_rate == 16000


def test_failure_has_a_reason_and_can_be_retried(ko_model_dir):
    attempts = []

    def loader(path):
        attempts.append(path)
        if len(attempts) == 1:
            raise Exception("Failed to create a model")
        return "ok"

    h = ModelHolder(ko_model_dir, loader=loader)
    assert h.load(10) is ModelState.FAILED
    assert "Failed to create a model" in h.reason and "kiosk models install" in h.reason
    assert h.load(10) is ModelState.READY and h.reason == ""


def test_a_broken_listener_does_not_stop_loading(ko_model_dir):
    h = ModelHolder(ko_model_dir, loader=lambda p: "m")
    h.add_listener(lambda holder: 1 / 0)
    assert h.load(10) is ModelState.READY


def test_one_holder_per_directory(tmp_path, ko_holder, ko_model_dir):
    assert holder_for(ko_model_dir) is ko_holder
    assert holder_for(str(ko_model_dir)) is ko_holder
    assert holder_for(tmp_path) is not ko_holder
    assert ko_holder.state is ModelState.READY and ko_holder.model is not None
    assert ko_holder.loaded_path == ko_model_dir.resolve()
