"""The stations table of central-dev's staff page: each station's pinned key (and any key
it refused) and its chain (missing seq numbers, rewrites), from
kiosk/central_dev/continuity.py."""

from __future__ import annotations

from html import escape

STATE_ZH = {"ok": "完整 ok", "awaiting": "待收 awaiting", "gap": "缺失 GAP", "rewrite": "改写 REWRITE"}


def _key_cell(key: dict | None) -> str:
    if key is None:
        return "no key yet"
    out = f"<code>{escape(key['fingerprint'])}</code> ({escape(key['via'])}, {escape(key['pinned_at'])})"
    refused = key.get("refused")
    if refused:
        out += (f"<br><b>REFUSED</b> key <code>{escape(refused['fingerprint'])}</code> "
                f"({escape(str(refused['via']))}, {escape(str(refused['at']))}, {int(refused['count'])}×): "
                "the station offered another key")
    return out


def _chain_cell(c: dict) -> str:
    out = f"<b>{escape(STATE_ZH.get(c['state'], c['state']))}</b>: {escape(c['summary'])}"
    for r in c["rewrites"][:10]:
        out += f"<br>seq {int(r['seq'])} {escape(str(r['code'] or ''))}: {escape(r['reason'])}"
    return out


def stations_table(reports: list[dict]) -> str:
    """HTML rows ``station | key | chain`` (escaped)."""
    rows = "".join(f"<tr><td>{escape(r['station'])}</td><td>{_key_cell(r['key'])}</td>"
                   f"<td>{_chain_cell(r['chain'])}</td></tr>" for r in reports)
    head = "<tr><th>站点 Station</th><th>密钥 Signing key</th><th>链 Chain</th></tr>"
    return f"<table>{head}{rows or '<tr><td colspan=3>none yet</td></tr>'}</table>"


VERDICT_ZH = {"authentic": "真实 AUTHENTIC", "forged": "伪造 FORGED", "unknown_station": "未知站点 UNKNOWN STATION",
              "unsigned": "未签名 UNSIGNED (printed before receipts were signed)"}


def verify_form(csrf_field: str, payload: str = "", result=None, error: str | None = None) -> str:
    """The receipt check page's body: the form, and the verdict of the last check."""
    out = ""
    if error:
        out += f"<p class=err>not a receipt of ours: {escape(error)}</p>"
    elif result is not None:
        out += (f"<p><b>{escape(VERDICT_ZH.get(result.verdict.value, result.verdict.value))}</b> "
                f"{escape(str(result.code))}: {escape(result.reason)}</p>")
        if result.created_at:
            out += f"<p class=muted>issued {escape(result.created_at)} UTC, digest {escape(result.digest)}</p>"
    return out + (f"<form method=post>{csrf_field}<label>QR payload as scanned<br>"
                  f"<textarea name=payload rows=4>{escape(payload)}</textarea></label><br>"
                  "<button>核验 Check</button></form>")
