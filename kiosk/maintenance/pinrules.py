"""Which service PINs are too easy to guess, and by which rule (docs/service.md, "Trivial PINs").

A PIN is refused when it is:

- ``one digit repeated``: 000000, 888888;
- ``a run of consecutive digits``: up or down, wrapping past 9/0 — 123456, 654321,
  789012, 321098;
- ``a short group repeated``: a group of at most half the PIN's length said again and
  again — 121212, 123123, 520520, 12341234;
- ``a mirror``: the same read backwards — 123321, 147741;
- ``a well-known PIN``: a keypad shape or a saying from :data:`WELL_KNOWN` (147258 is a
  column walk on the pad, 5201314 reads "I love you for ever").

Each rule cuts a guesser's work to a few hundred PINs at most, which the lockout of
kiosk/maintenance/pin.py would let an attacker get through in days.
"""

from __future__ import annotations

#: Keypad walks on the 3x4 PIN pad (1-2-3 on top, as on a phone) and the number sayings
#: people choose; each written out, since a shape rule would also catch unrelated PINs.
WELL_KNOWN = frozenset({
    "147258", "258369", "369258", "741852", "852963", "147369", "369147", "159753", "357159",
    "159357", "753951", "789456", "456123", "321654", "654987", "112233", "332211", "445566",
    "778899", "147852", "258741", "5201314", "1314520", "1314521", "5211314",
})

#: The rules, in the order they are tried; the first that matches names the refusal.
RULES = ("one digit repeated", "a run of consecutive digits", "a short group repeated",
         "a mirror", "a well-known PIN")


def _is_run(pin: str) -> bool:
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:])}
    return steps in ({1}, {9})


def _is_repeated_group(pin: str) -> bool:
    n = len(pin)
    return any(n % k == 0 and pin == pin[:k] * (n // k) for k in range(1, n // 2 + 1))


def trivial_rule(pin: str) -> str | None:
    """The rule of :data:`RULES` that *pin* (digits only) breaks, or None when it breaks none."""
    if len(set(pin)) == 1:
        return RULES[0]
    if _is_run(pin):
        return RULES[1]
    if _is_repeated_group(pin):
        return RULES[2]
    if pin == pin[::-1]:
        return RULES[3]
    if pin in WELL_KNOWN:
        return RULES[4]
    return None


#: What ``kiosk doctor`` tries against a PIN file written before these rules existed
#: (only the scrypt hash is kept, at ~0.1 s a try): the trivial PINs people pick most.
LEGACY_SUSPECTS = tuple(d * 6 for d in "0123456789") + (
    "123456", "654321", "12345678", "121212", "123123", "112233", "520520")
