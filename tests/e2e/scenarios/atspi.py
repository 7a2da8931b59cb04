#!/usr/bin/python3
"""Finds the agent window's controls the way a screen reader does: over AT-SPI (AccessKit on
the agent's side), by role and name, never by calling the agent's code. Used by window.mjs.

    atspi.py click NAME      press the button named NAME (waits for it to be there and enabled)
    atspi.py set NAME TEXT   put TEXT into the text field labelled NAME
    atspi.py wait TEXT       wait until some control's name contains TEXT
    atspi.py names           print every control as "role: name", one a line
    atspi.py extents NAME    print "x y width height" (screen pixels) of the control named NAME
    atspi.py gone TEXT       wait until no control's name contains TEXT

Each waits up to ATSPI_TIMEOUT seconds (default 20) and exits 1 with the names it saw when the
control never shows up. Needs Debian's python3-pyatspi and a session bus with the AT-SPI bus.
"""
import os
import sys
import time

import pyatspi

APP = os.environ.get("ATSPI_APP", "agent")
TIMEOUT = float(os.environ.get("ATSPI_TIMEOUT", "20"))


def nodes():
    """Every accessible node of the agent's windows, depth first."""
    out = []
    desktop = pyatspi.Registry.getDesktop(0)
    for app in desktop:
        try:
            if app is None or app.name != APP:
                continue
        except Exception:  # an application that went away while listed
            continue
        stack = [app]
        while stack:
            n = stack.pop()
            try:
                out.append(n)
                stack.extend(reversed([c for c in n if c is not None]))
            except Exception:
                pass
    return out


def name_of(n):
    """A node's name, or "" for one that went away while read."""
    try:
        return n.name or ""
    except Exception:
        return ""


def role_of(n):
    try:
        return n.getRoleName()
    except Exception:
        return ""


def describe(n):
    try:
        return f"{n.getRoleName()}: {n.name}"
    except Exception:
        return "?"


def until(find, what):
    deadline = time.monotonic() + TIMEOUT
    while True:
        found = find()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            seen = "\n".join(describe(n) for n in nodes())
            sys.exit(f"not found within {TIMEOUT:.0f} s: {what}\nthe window shows:\n{seen}")
        time.sleep(0.1)


def enabled(n):
    try:
        return n.getState().contains(pyatspi.STATE_ENABLED)
    except Exception:
        return False


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "click":
        name = args[0]
        button = until(
            lambda: next((n for n in nodes() if role_of(n) in ("push button", "toggle button") and name_of(n) == name and enabled(n)), None),
            f"an enabled button {name!r}",
        )
        button.queryAction().doAction(0)
    elif cmd == "set":
        name, text = args
        field = until(lambda: next((n for n in nodes() if role_of(n) == "entry" and name_of(n) == name), None), f"a text field {name!r}")
        field.queryEditableText().setTextContents(text)
    elif cmd == "wait":
        text = args[0]
        n = until(lambda: next((n for n in nodes() if text in name_of(n)), None), f"a control showing {text!r}")
        print(n.name)
    elif cmd == "extents":
        name = args[0]
        n = until(lambda: next((n for n in nodes() if name_of(n) == name), None), f"a control named {name!r}")
        e = n.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
        print(e.x, e.y, e.width, e.height)
    elif cmd == "gone":
        text = args[0]
        until(lambda: None if any(text in name_of(n) for n in nodes()) else True, f"no control showing {text!r}")
    elif cmd == "names":
        for n in nodes():
            print(describe(n))
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
