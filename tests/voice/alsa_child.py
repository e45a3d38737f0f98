"""Child process for test_voice_alsa.py: runs with ALSA_CONFIG_PATH set before PortAudio starts.

Usage: python alsa_child.py OUT_DIR MODEL_DIR GRAMMAR_JSON
Writes OUT_DIR/report.json (and OUT_DIR/session.wav); never asserts itself.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    out, model_dir, grammar = Path(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
    from drivers.microphone import MicrophoneUnavailable, SoundDeviceMicrophone, list_input_devices
    from kiosk.voice.model import holder_for
    from kiosk.voice.session import VoiceSession
    from kiosk.config.voice import ASRSettings

    report: dict = {"devices": list_input_devices()}
    holder = holder_for(model_dir)
    holder.start_loading()  # in the background, as the app does

    # Device lookups: a missing name is a clear error; an index works.
    try:
        SoundDeviceMicrophone("USB Microphone", 16000).open()
        report["missing_name"] = "opened?!"
    except MicrophoneUnavailable as e:
        report["missing_name"] = str(e)

    events = []

    def on_event(e):
        events.append({"kind": e.kind.value, "text": e.text, "seconds": e.seconds, "error": e.error,
                       "level": e.level})

    holder.wait(120)  # the test is about the audio path; live catch-up is tested elsewhere
    mic = SoundDeviceMicrophone("kiosktest", 16000)
    session = VoiceSession(mic, holder, ASRSettings(grammar=grammar, trailing_silence_seconds=1.0,
                                                    chunk_seconds=0.1), on_event)
    session.start()
    result = session.wait(120)
    (out / "session.wav").write_bytes(result.wav)
    report.update({
        "model_state": holder.state.value, "model_reason": holder.reason,
        "device_name": mic.device_name, "sample_rate": mic.sample_rate, "overflows": mic.overflows,
        "text": result.text, "segments": list(result.segments), "seconds": result.seconds,
        "ended_by": result.ended_by.value, "asr_available": result.asr_available,
        "events": events,
    })
    # After the session (each open re-reads the infile from its start): by index, and
    # with no preferred rate (the device's default rate is used and reported).
    index = next(d["index"] for d in report["devices"] if d["name"] == "kiosktest")
    for key, mic in (("by_index", SoundDeviceMicrophone(index, 16000)),
                     ("device_default_rate", SoundDeviceMicrophone("kiosk", None))):
        mic.open()
        try:
            chunk = mic.read(1600)
            report[key] = {"name": mic.device_name, "rate": mic.sample_rate, "bytes": len(chunk)}
        finally:
            mic.close()
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
