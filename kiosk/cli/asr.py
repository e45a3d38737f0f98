"""`kiosk asr transcribe FILE`: offline transcription of a WAV file, with timing."""

from __future__ import annotations

from pathlib import Path

NAME = "asr"
HELP = "offline speech recognition of a WAV file with timing (real-time factor)"

CHUNK_SECONDS = 0.5  # file decoding needs no live partials: bigger chunks, fewer calls


def register(p) -> None:
    import argparse

    from kiosk.cli.main import _common

    # Nested parsers take --config/--json too, so `kiosk X ACTION ... --json` works.
    common = [_common(argparse.SUPPRESS)]
    sub = p.add_subparsers(dest="asr_action", metavar="ACTION", required=True)
    t = sub.add_parser("transcribe", parents=common, help="transcribe a WAV file",
                       description="Transcribe a WAV file (any rate, any channel count, PCM 8/16/24/32-bit "
                                   "or float) with the installed model; print text, audio seconds, "
                                   "decode seconds and the real-time factor; with --json also each "
                                   "word with Vosk's confidence (0-1) and its time.")
    t.add_argument("file", metavar="FILE", help="the WAV file")
    t.add_argument("--model", metavar="DIR", help="model directory (default: the installed current model)")
    t.add_argument("--grammar", metavar="PHRASE", action="append",
                   help="restrict recognition to this phrase (repeatable; default: asr.grammar)")


def run(args, ctx) -> int:
    import time

    from drivers.microphone import WavFormatError, decode_wav
    from kiosk.cli import main as cli
    from kiosk.voice import models as layout
    from kiosk.voice.model import ModelState, holder_for
    from kiosk.voice.recognizer import Transcriber

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return ctx.fail(cli.EXIT_NOT_FOUND, f"{path} does not exist")
    except OSError as e:
        return ctx.fail(cli.EXIT_FAIL, f"cannot read {path}: {e.strerror or e}")
    try:
        pcm, rate, channels = decode_wav(data)
    except WavFormatError as e:
        return ctx.fail(cli.EXIT_INVALID, f"{path}: {e}")

    cfg = ctx.config
    model_dir = Path(args.model) if args.model else layout.model_path(cfg.asr, cfg.storage)
    holder = holder_for(model_dir)
    state = holder.load()
    if state is not ModelState.READY:
        return ctx.fail(cli.EXIT_FAIL, f"speech model {state.value}: {holder.reason}", state=state.value)

    grammar = args.grammar if args.grammar else list(cfg.asr.grammar)
    t0 = time.perf_counter()
    tr = Transcriber(holder.model, rate, grammar, holder.sample_rate, partials=False)
    step = max(2, int(rate * CHUNK_SECONDS) * 2)
    for i in range(0, len(pcm), step):
        tr.accept(pcm[i:i + step])
    tr.finish()
    decode = time.perf_counter() - t0
    audio = len(pcm) / 2 / rate
    rtf = decode / audio if audio else 0.0
    out = {"ok": True, "file": str(path), "text": tr.text, "segments": tr.segments,
           "words": [w.as_dict() for w in tr.words],
           "audio_seconds": round(audio, 3), "decode_seconds": round(decode, 3), "rtf": round(rtf, 4),
           "sample_rate": rate, "channels": channels, "model": str(holder.loaded_path),
           "model_load_seconds": round(holder.load_seconds or 0.0, 3)}
    human = (f"{tr.text}\n"
             f"audio {audio:.2f} s, decoded in {decode:.2f} s, RTF {rtf:.3f} "
             f"({rate} Hz, {channels} ch; model {holder.loaded_path.name})")
    ctx.emit(out, human)
    return cli.EXIT_OK
