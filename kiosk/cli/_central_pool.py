"""`kiosk central-dev pool` (the data pool's tables) and `kiosk central-dev fleet` (every
station's last heartbeat); dispatched from kiosk/cli/central_dev.py's ACTIONS.

Building the parser imports nothing of kiosk.central_dev (the kiosk runtime never does).
"""

from __future__ import annotations


def register_pool(p) -> None:
    """``--weeks N``: the window, this week and the N-1 before it."""
    p.add_argument("--weeks", type=int, default=12, help="weeks to count, this one included (default 12, at most 104)")
    p.description = ("The data pool (民意数据池): items per category and per station and week, recurring "
                     "keywords (jieba) and similar items, answer times and satisfaction per department and "
                     "category, overdue counts. --json prints every table as rows.")


def register_fleet(p) -> None:
    """``--quiet-after MIN``: the quiet threshold (default central_dev.quiet_after_min)."""
    p.add_argument("--quiet-after", type=int, metavar="MIN",
                   help="flag stations without a heartbeat for this many minutes (default central_dev.quiet_after_min)")
    p.description = ("Every station's last heartbeat: queue, disk, version, devices, and its chain's state; "
                     "quiet stations first.")


def _pool_human(report) -> str:
    t = report.tables
    lines = [f"data pool since {report.weeks[0]} ({len(report.weeks)} weeks)"]
    per_cat: dict = {}
    for r in t["categories_by_week"].rows:
        per_cat[r["category"]] = per_cat.get(r["category"], 0) + r["items"]
    lines.append("items per category: " + (", ".join(f"{report.category_names.get(c, c) or '-'} {n}"
                                                       for c, n in sorted(per_cat.items(), key=lambda kv: -kv[1]))
                                           or "none"))
    lines.append("keywords: " + (" ".join(f"{r['keyword']}({r['count']})" for r in t["keywords"].rows[:15]) or "none"))
    for r in t["answers"].rows:
        lines.append(f"{r['department'] or '未分流'} / {r['category'] or '-'}: {r['items']} items, {r['answered']} "
                     f"answered, median {r['median_h']} h, p90 {r['p90_h']} h, satisfaction "
                     f"{r['satisfaction_pct'] if r['satisfaction_pct'] is not None else '-'}%")
    overdue = sum(r["overdue"] for r in t["overdue"].rows)
    lines.append(f"open matters overdue: {overdue}")
    return "\n".join(lines)


def run_pool(args, ctx) -> int:
    """Print the pool's tables (``--json``: ``{"ok", "weeks", <table>: [rows]}``)."""
    from kiosk.cli import main as cli
    from kiosk.cli._central_db import with_db
    from kiosk.central_dev.pool import Pool, PoolError

    def work(db) -> int:
        try:
            report = Pool(db).report(args.weeks)
        except PoolError as e:
            return ctx.fail(cli.EXIT_USAGE, str(e))
        ctx.emit(report.as_json(), _pool_human(report))
        return cli.EXIT_OK
    return with_db(args, ctx, work)


def run_fleet(args, ctx) -> int:
    """Print every station's last heartbeat (``--json``: ``{"ok", "stations": [...]}``)."""
    from kiosk.cli import main as cli
    from kiosk.cli._central_db import with_db
    from kiosk.central_dev.fleet import read_fleet

    quiet = args.quiet_after if args.quiet_after is not None else ctx.config.central_dev.quiet_after_min
    if quiet < 1:
        return ctx.fail(cli.EXIT_USAGE, f"--quiet-after: expected at least 1 minute, got {quiet}")

    def work(db) -> int:
        fleet = read_fleet(db, quiet_after_min=quiet)
        human = "\n".join(
            f"{s.station}  {s.last_heartbeat or 'never'}  v{s.app_version or '?'}  queue={s.queue_pending}  "
            f"disk={s.disk_state}/{s.disk_free_mb}MB  {' '.join(s.attention) or 'ok'}  chain: {s.chain}"
            for s in fleet.stations) or "no stations yet"
        ctx.emit(fleet.as_json(), human)
        return cli.EXIT_OK
    return with_db(args, ctx, work)
