# SPDX-License-Identifier: Apache-2.0
"""Driving the openmu window through AT-SPI with dogtail, as a person does:
checks, polling with deadlines, finding nodes by accessible name, clicking,
dialogs, typing into fields, switching pages. Shared by the GUI tests.

Import this module before anything imports dogtail.tree: it sets dogtail's
configuration (no a11y check at import, short delays, no debug logs).
Screenshots for the docs go to SHOTS (docs/screenshots/)."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "stack"))

from dogtail.config import config  # noqa: E402

config.checkForA11y = False  # before dogtail.tree is imported
config.actionDelay = 0.05
config.typingDelay = 0.01
config.defaultDelay = 0.05
config.searchBackoffDuration = 0.1
config.searchCutoffCount = 50
config.logDebugToFile = False
config.logDebugToStdOut = False

import guienv  # noqa: E402
from stackenv import source_path  # noqa: E402

DEADLINE = 30.0
SHOTS = source_path("docs/screenshots")


def check(cond, what, detail=""):
    """Prints `ok - what`, or raises AssertionError with the detail."""
    if not cond:
        raise AssertionError(f"{what}\n{detail}".rstrip())
    print(f"ok - {what}", flush=True)


def wait(fn, what, deadline=DEADLINE):
    """Polls fn until it returns something true, and returns that."""
    end = time.monotonic() + deadline
    last = None
    while True:
        try:
            last = fn()
            if last:
                return last
        except Exception as e:  # the tree changes under us: retry
            last = e
        if time.monotonic() > end:
            raise AssertionError(f"timed out: {what} (last: {last!r})")
        time.sleep(0.1)


def node(app, name, role=None, root=None):
    """The node named name (accessible name), searched without retries."""
    def pred(n):
        return n.name == name and (role is None or n.roleName == role)
    return (root or app).findChild(pred, retry=False, requireResult=False)


def text_of(app, name):
    n = node(app, name, "label")
    return None if n is None else n.text


def wait_text(app, name, want, deadline=DEADLINE):
    """Waits until label name contains want; returns its text."""
    seen = [None]

    def probe():
        seen[0] = text_of(app, name)
        return seen[0] if seen[0] is not None and want in seen[0] else None
    try:
        return wait(probe, f"label '{name}' shows '{want}'", deadline)
    except AssertionError as e:
        raise AssertionError(f"{e}; it shows {seen[0]!r}") from None


def steady(n):
    """Waits until n is on screen and stops moving (AT-SPI reports before
    GTK maps and lays out)."""
    prev = [None]

    def same():
        now = (n.position, n.size)
        ok = now == prev[0] and min(now[0]) >= 0 and min(now[1]) > 0
        prev[0] = now
        if not ok:
            time.sleep(0.1)
        return ok
    wait(same, f"'{n.name}' at rest")


def click(app, name, role="push button"):
    """Clicks the node name once it is there, sensitive and at rest."""
    b = wait(lambda: node(app, name, role), f"{role} '{name}'")
    wait(lambda: b.sensitive, f"{role} '{name}' enabled")
    steady(b)
    b.click()
    return b


def dialog(app, title):
    return wait(lambda: app.findChild(lambda n: n.roleName == "dialog" and n.name == title,
                                      retry=False, requireResult=False),
                f"dialog '{title}'")


def fill(dlg, values):
    """Types each value into the text or PIN field named by its key."""
    for key, value in values.items():
        e = wait(lambda: node(dlg, key, "text") or node(dlg, key, "password text"),
                 f"field '{key}'")
        steady(e)
        e.click()
        e.typeText(value)


def choose(dlg, key, option):
    """Picks option in the drop-down choice named key."""
    combo = wait(lambda: node(dlg, key, "combo box"), f"choice '{key}'")
    steady(combo)
    combo.click()
    item = wait(lambda: combo.findChild(lambda n: n.name == option and
                                        n.roleName == "menu item" and n.showing,
                                        retry=False, requireResult=False),
                f"option '{option}' of '{key}'")
    steady(item)
    item.click()
    wait(lambda: combo.name == key and not item.showing, f"choice '{key}' closed")


def page(app, title):
    tab = wait(lambda: app.findChild(lambda n: n.name == title and n.roleName in
                                     ("radio button", "toggle button"),
                                     retry=False, requireResult=False), f"tab '{title}'")
    steady(tab)
    tab.click()


def shot(app, name):
    """Saves a screenshot of the app's window as SHOTS/name."""
    frame = wait(lambda: app.findChild(lambda n: n.roleName == "frame", retry=False,
                                       requireResult=False), "the window")
    x, y = frame.position
    w, h = frame.size
    path = os.path.join(SHOTS, name)
    guienv.screenshot(path, rect=(x, y, w, h))
    print(f"# screenshot {path}", flush=True)


def run_main(*parts):
    """Runs each part(g) in one Gui (Xvfb, D-Bus, AT-SPI); on a failure
    prints the traceback, keeps a screenshot and shows the app's log, then
    fails. Prints "all ok" at the end."""
    t0 = time.monotonic()
    with guienv.Gui() as g:
        try:
            for part in parts:
                part(g)
        except BaseException:
            import traceback
            traceback.print_exc(file=sys.stdout)
            try:
                guienv.screenshot(os.path.join(g.tmp, "failure.png"))
                print(f"# failure screenshot {g.tmp}/failure.png (OPENMU_KEEP_TMP=1 keeps it)")
            except Exception as e:
                print(f"# no failure screenshot: {e}")
            g.dump_log()
            raise
    print(f"all ok ({time.monotonic() - t0:.1f} s)")
