"""`kiosk rate CODE --secret SECRET LEVEL`: the resident's rating of the current round,
as the answer screen takes it (kiosk/lookup/answers.py), for staff and tests without a
touchscreen."""

from __future__ import annotations

from kiosk.core.records import RATINGS

NAME = "rate"
HELP = "rate the centre's answer to an item's current round, with the receipt secret"


def register(p) -> None:
    p.add_argument("code", help="tracking code, with or without separators (e.g. 0371-000045-4)")
    p.add_argument("--secret", required=True, help="the six-digit receipt secret printed on the receipt")
    p.add_argument("level", choices=RATINGS, help="satisfied (满意), basically_satisfied (基本满意), "
                                                   "unsatisfied (不满意: the centre handles it again)")
    p.add_argument("--reason", default=None, help="with unsatisfied: why, in the resident's words (≤ 1000)")


def run(args, ctx) -> int:
    """Exit 0 when the rating is stored (the sync daemon forwards it); else a named error:
    4 a malformed code or a reason without unsatisfied, 5 no such item, 1 a wrong secret,
    too many wrong secrets, no reply yet, a round rated already, a closed matter."""
    from kiosk.cli import main as cli
    from kiosk.core.trackcode import CodeError
    from kiosk.lookup import answers as lookup

    if args.reason and args.level != "unsatisfied":
        return ctx.fail(cli.EXIT_INVALID, "--reason goes with unsatisfied only: a reason reopens the matter")
    limiter = lookup.FailureLimiter(ctx.store)
    try:
        answer = lookup.look_up(ctx.store, args.code, args.secret, limiter=limiter)
        answer = lookup.rate(ctx.store, answer, args.level, reason=args.reason, limiter=limiter)
    except CodeError as e:
        return ctx.fail(cli.EXIT_INVALID, str(e))
    except lookup.NotFound as e:
        return ctx.fail(cli.EXIT_NOT_FOUND, str(e))
    except lookup.WrongSecret as e:
        return ctx.fail(cli.EXIT_FAIL, f"wrong receipt secret for {e.code}", reason="wrong_secret")
    except lookup.TooManyFailures as e:
        return ctx.fail(cli.EXIT_FAIL, f"too many wrong receipt secrets: try again in {e.retry_after:.0f} s",
                        reason="too_many_failures")
    except lookup.RatingRefused as e:
        return ctx.fail(cli.EXIT_FAIL, f"{answer.code}: {e}", reason=e.reason)
    ctx.emit({"ok": True, "code": str(answer.code), "round": answer.round, "rating": args.level},
             f"{answer.code}: round {answer.round} rated {args.level}; the sync daemon forwards it")
    return cli.EXIT_OK
