"""The staff loop in the centre's pages: the steps on an item's page, the close with a
reason, every round (不满意再办) with its replies, rating and reasons, the audit log,
and the supervision list (督办: overdue or escalated matters). Rendered and routed from
kiosk/central_dev/pages.py, behind the same login, CSRF check and headers (gate.py)."""

from __future__ import annotations

from html import escape

from werkzeug.exceptions import NotFound
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from kiosk.central_dev.loop import NEXT, STAGE_ZH, Loop, LoopError, UnknownMatter

#: Button text of each step on the item page.
STEP_LABEL = {"accepted": "受理 Accept", "assigned": "分流 Assign", "in_progress": "处置 Handling",
              "escalated": "督办 Escalate", "replied": "反馈 Reply", "closed": "办结 Close"}
ACTION_ZH = {"accept": "受理", "assign": "分流", "handle": "处置", "note": "跟踪", "escalate": "督办",
             "reply": "反馈", "close": "办结", "reopen": "重办 reopen", "set_status": "设置状态",
             "rate": "评价 rating"}
RATING_ZH = {"satisfied": "满意 satisfied", "basically_satisfied": "基本满意 basically satisfied",
             "unsatisfied": "不满意 unsatisfied"}


def _actor(req: Request) -> str:
    session = req.environ.get("central_dev.session")
    return session.user if session else "staff"


def loop_section(req: Request, loop: Loop, row, csrf: str) -> str:
    """The item page's 办理流程 block: one form per step that follows, a note form, the log."""
    item_id = escape(row["id"])
    steps = []
    for stage in NEXT.get(row["status"], ()):
        if stage == "escalated" and row["escalated_at"]:
            continue
        label = "重办 Reopen" if stage == "accepted" and row["status"] in ("replied", "closed") else STEP_LABEL[stage]
        extra = ""
        if stage == "assigned":
            extra = " <input name=department placeholder='部门 department' required size=16>"
        elif stage == "replied":
            extra = "<br><textarea name=note rows=3 required placeholder='答复内容 reply'></textarea><br>"
        steps.append(f"<form class=inline method=post action='/items/{item_id}/advance'>{csrf}"
                     f"<input type=hidden name=stage value='{stage}'>{extra}<button>{label}</button></form> ")
    d = loop.describe(row)
    flags = (f"<p>阶段 Stage: <b>{escape(STAGE_ZH.get(row['status'], row['status']))}</b> {escape(row['status'])}"
             + (f" · 部门 {escape(row['department'])}" if row["department"] else "")
             + (f" · 期限 due {escape(d['due_at'])}" if d["due_at"] else "")
             + (" · <b class=err>超期 overdue</b>" if d["overdue"] else "")
             + (" · <b class=err>督办 escalated</b>" if d["escalated"] else "") + "</p>")
    note = (f"<form method=post action='/items/{item_id}/advance'>{csrf}<input name=note required size=50 "
            "placeholder='跟踪记录 follow-up note'> <button>跟踪 Add note</button></form>")
    if row["status"] != "closed":
        note += (f"<form method=post action='/items/{item_id}/close'>{csrf}<input name=reason required size=50 "
                 "maxlength=1000 placeholder='办结理由 reason for closing'> <button>办结 Close with reason</button></form>")
    log = "".join(f"<tr><td>{escape(a['at'])}</td><td>{escape(a['actor'])}</td>"
                  f"<td>{escape(ACTION_ZH.get(a['action'], a['action']))}</td>"
                  f"<td>{escape(a['from_stage'] or '')} → {escape(a['to_stage'] or '')}</td>"
                  f"<td>{escape(a['department'] or '')}</td><td>{escape(a['note'] or '')}</td></tr>"
                  for a in loop.history(row["id"]))
    return (f"<h2>办理流程 Loop</h2>{flags}<p>{''.join(steps) or '—'}</p>{note}{rounds_section(d)}"
            "<h2>办理记录 Audit log</h2><table><tr><th>时间</th><th>人员</th><th>操作</th><th>阶段</th>"
            f"<th>部门</th><th>说明</th></tr>{log or '<tr><td colspan=6>暂无 none yet</td></tr>'}</table>")


def rounds_section(d: dict) -> str:
    """Every round of the matter *d* (Loop.describe): when it opened and why, its
    replies, its rating and when, why it was closed."""
    rows = "".join(
        f"<tr><td>{r['round']}{' (当前 current)' if r['round'] == d['round'] else ''}</td>"
        f"<td>{escape(r['opened_at'] or '')}</td><td>{escape(r['reason'] or '')}</td>"
        f"<td>{'<br>'.join(escape(x) for x in r['replies']) or '—'}</td>"
        f"<td>{escape(RATING_ZH.get(r['rating'], r['rating'] or '—'))}</td><td>{escape(r['rated_at'] or '')}</td>"
        f"<td>{escape(r['closed_reason'] or '')}</td></tr>" for r in d["rounds"])
    return ("<h2>办理轮次 Rounds (不满意再办)</h2><table><tr><th>轮次 round</th><th>开始 opened</th>"
            "<th>重办原因 reason</th><th>答复 replies</th><th>评价 rating</th><th>评价时间 rated</th>"
            f"<th>办结理由 closed because</th></tr>{rows}</table>")


def close(req: Request, loop: Loop, item_id: str, page) -> Response:
    """POST /items/<id>/close: 办结 with the stated reason, by the logged-in user."""
    return _take_step(req, item_id, page, "未办结 Not closed",
                      lambda: loop.close(item_id, req.form.get("reason", ""), actor=_actor(req)))


def advance(req: Request, loop: Loop, item_id: str, page) -> Response:
    """POST /items/<id>/advance: one step (stage, department, note) by the logged-in user."""
    return _take_step(req, item_id, page, "未办理 Not done",
                      lambda: loop.advance(item_id, req.form.get("stage") or None, actor=_actor(req),
                                           department=req.form.get("department"), note=req.form.get("note")))


def _take_step(req: Request, item_id: str, page, refused_title: str, step) -> Response:
    """Run one staff *step*; back to the item page, or a 409 page saying why it was refused."""
    try:
        step()
    except UnknownMatter:
        raise NotFound("no such item") from None
    except LoopError as e:
        return page(req, refused_title, f"<p class=err>{escape(str(e))}</p>"
                    f"<p><a href='/items/{escape(item_id)}'>返回 back</a></p>", status=409)
    return redirect(f"/items/{item_id}", code=303)


def supervision(req: Request, loop: Loop, page) -> Response:
    """GET /supervision: open matters past their deadline or escalated, oldest first."""
    loop.escalate_overdue()
    rows = "".join(
        f"<tr><td><a href='/items/{escape(d['id'])}'>{escape(d['code'] or d['id'])}</a></td>"
        f"<td>{escape(d['station'])}</td><td>{escape(d['category'] or '-')}</td>"
        f"<td>{escape(STAGE_ZH.get(d['stage'], d['stage']))}</td><td>{escape(d['department'] or '')}</td>"
        f"<td>{escape(d['received_at'])}</td><td>{escape(d['due_at'] or '-')}</td>"
        f"<td>{'超期 overdue' if d['overdue'] else ''} {'督办 escalated' if d['escalated'] else ''}</td></tr>"
        for d in loop.supervision())
    body = ("<p class=muted>未反馈的事项超过其类别的办理期限 (deadline_days) 即列入督办并告知站点。"
            "Open matters past their category's deadline_days, or escalated by staff.</p>"
            "<table><tr><th>编号</th><th>站点</th><th>类别</th><th>阶段</th><th>部门</th><th>接收</th>"
            f"<th>期限</th><th>督办</th></tr>{rows or '<tr><td colspan=8>暂无 none</td></tr>'}</table>")
    return page(req, "督办 Supervision", body)
