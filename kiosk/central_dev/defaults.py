"""The station config the centre serves before staff set one: the kiosk's built-in
categories, each with the centre's default deadline (docs/centre.md)."""

from __future__ import annotations

import functools
import json

from kiosk.core.categories import DEFAULT_CATEGORIES

#: The deadline of every category in the built-in config: 15 days from receipt to a reply
#: (a district sets its own per category, ``deadline_days``; docs/centre.md).
DEFAULT_DEADLINE_DAYS = 15


@functools.cache
def default_config() -> str:
    """The document served before staff set one: the kiosk's built-in categories (made
    once: it is read on every config GET and every deadline look-up, and never changes)."""
    return json.dumps({
        "version": "central-dev-1",
        # deadline_days: the centre's own (kiosk/central_dev/loop.py); kiosks ignore it.
        "categories": [{"id": c.id, "names": dict(c.names), "deadline_days": DEFAULT_DEADLINE_DAYS}
                       for c in DEFAULT_CATEGORIES],
        "representatives": [{"id": "r1", "name": "王代表", "title": "区人大代表", "on_duty": True,
                             "constituency": "第三选区",
                             "schedule": [{"weekday": 2, "start": "09:00", "end": "11:30"}]}],
        "announcements": [{"id": "a1", "title": "欢迎来到24小时民意工作站", "body": "您的意见我们都会认真办理。"}],
        "statistics": {"period": "本月", "received": 0, "replied": 0,
                       "months": [{"month": "2026-11", "received": 0, "replied": 0, "resolved": 0}]},
        "published_matters": [{"id": "m1", "category": "市政设施", "summary": "小区门口路灯不亮",
                               "outcome": "已修复", "handled_on": "2026-11-20"}],
    }, ensure_ascii=False, indent=1)
