# SPDX-License-Identifier: Apache-2.0
"""The GUI-test harness: a private X server (Xvfb), a private D-Bus session
(which activates the AT-SPI bus by itself) and the real `openmu` window,
driven through the accessibility tree with dogtail.

    from guienv import Gui
    with Gui() as g:
        app = g.start_app(["--non-unique"], env=stack.env)
        g.find(app, "readers status")

Facts followed here are in ../shared/notes/gui-testing.md: the harness is
a child subreaper (the bus re-parents the services it activates to us),
every child is stopped by PID at the end (app, AT-SPI services, bus, Xvfb),
also on SIGTERM; HOME and XDG dirs are a throw-away folder."""

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
PR_SET_CHILD_SUBREAPER = 36
DEADLINE_S = 20.0


class GuiError(Exception):
    pass


def build_path(rel):
    build = os.environ.get("OPENMU_BUILD_DIR")
    if not build:
        raise GuiError("OPENMU_BUILD_DIR is not set: run with 'meson test --suite gui'")
    return os.path.join(build, rel)


def _read_fd_line(fd, what, deadline=DEADLINE_S):
    """Reads one line from a pipe, with a deadline."""
    import select
    end = time.monotonic() + deadline
    data = b""
    while b"\n" not in data:
        left = end - time.monotonic()
        if left <= 0:
            raise GuiError(f"{what} did not start within {deadline:.0f} s")
        r, _, _ = select.select([fd], [], [], left)
        if r:
            chunk = os.read(fd, 256)
            if not chunk:
                raise GuiError(f"{what} exited before it was ready")
            data += chunk
    return data.split(b"\n", 1)[0].decode().strip()


def _children_of(pid):
    """PIDs whose parent is pid (from /proc)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                out.append(int(d))
        except (OSError, IndexError, ValueError):
            pass
    return out


def _stop_pid(pid, grace=5.0):
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    end = time.monotonic() + grace
    while time.monotonic() < end:
        try:
            p, _ = os.waitpid(pid, os.WNOHANG)
            if p == pid:
                return
        except ChildProcessError:
            # not our child: poll for it to vanish
            if not os.path.exists(f"/proc/{pid}"):
                return
        time.sleep(0.02)
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


class Gui:
    def __init__(self, width=1280, height=800):
        self.size = (width, height)
        self.tmp = None
        self.env = None
        self.xvfb = None
        self.bus = None
        self.apps = []
        self._old_sigterm = None

    def __enter__(self):
        for prog in ("/usr/bin/Xvfb", "/usr/bin/dbus-daemon"):
            if not os.path.exists(prog):
                print(f"SKIP: {prog} not installed (apt-get install xvfb dbus at-spi2-core "
                      "python3-dogtail)")
                sys.exit(SKIP)
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        self._old_sigterm = signal.signal(signal.SIGTERM, self._on_sigterm)
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    @staticmethod
    def _on_sigterm(signum, frame):
        raise SystemExit(128 + signum)

    def _start(self):
        self.tmp = tempfile.mkdtemp(prefix="openmu-gui-")
        home = os.path.join(self.tmp, "home")
        os.mkdir(home, 0o700)
        self.env = dict(os.environ)
        for k in ("NO_AT_BRIDGE", "GTK_MODULES", "WAYLAND_DISPLAY", "DISPLAY",
                  "DBUS_SESSION_BUS_ADDRESS"):
            self.env.pop(k, None)
        self.env.update({
            "HOME": home,
            "XDG_CONFIG_HOME": os.path.join(home, ".config"),
            "XDG_CACHE_HOME": os.path.join(home, ".cache"),
            "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
            "XDG_RUNTIME_DIR": self.tmp,
            "GDK_BACKEND": "x11",
            "GSETTINGS_BACKEND": "memory",
            "LC_ALL": "C.UTF-8",
        })
        r, w = os.pipe()
        w_, h_ = self.size
        self.xvfb = subprocess.Popen(
            ["/usr/bin/Xvfb", "-displayfd", str(w), "-screen", "0", f"{w_}x{h_}x24",
             "-nolisten", "tcp", "-noreset"],
            pass_fds=(w,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.tmp, "xvfb.log"), "wb"), env=self.env)
        os.close(w)
        try:
            display = _read_fd_line(r, "Xvfb")
        finally:
            os.close(r)
        self.env["DISPLAY"] = ":" + display
        r, w = os.pipe()
        self.bus = subprocess.Popen(
            ["/usr/bin/dbus-daemon", "--session", "--nofork", "--nopidfile",
             f"--address=unix:path={self.tmp}/bus", f"--print-address={w}"],
            pass_fds=(w,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.tmp, "dbus.log"), "wb"), env=self.env)
        os.close(w)
        try:
            self.env["DBUS_SESSION_BUS_ADDRESS"] = _read_fd_line(r, "dbus-daemon")
        finally:
            os.close(r)
        # dogtail (in this process) talks to the same display and bus
        for k in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "HOME", "XDG_RUNTIME_DIR",
                  "GDK_BACKEND", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
            os.environ[k] = self.env[k]
        os.environ.pop("NO_AT_BRIDGE", None)

    def start_app(self, args, env=None, name="openmu", cmd=None):
        """Starts openmu with args (or the program cmd, a list, that starts
        it); returns its dogtail Application node."""
        e = dict(self.env)
        if env:
            for k, v in env.items():
                if k not in ("HOME", "DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR",
                             "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
                    e[k] = v
        log = open(os.path.join(self.tmp, "openmu.log"), "ab")
        proc = subprocess.Popen([*(cmd or [build_path("gui/openmu")]), *args], env=e,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        self.apps.append(proc)
        from dogtail import tree
        end = time.monotonic() + DEADLINE_S
        while True:
            if proc.poll() is not None:
                self.dump_log()
                raise GuiError(f"openmu exited with {proc.returncode}")
            try:
                for a in tree.root.children:
                    if a is not None and a.name == name:
                        return a
            except Exception:
                pass
            if time.monotonic() > end:
                self.dump_log()
                raise GuiError("openmu did not appear in the accessibility tree")
            time.sleep(0.1)

    def stop_app(self, grace=10.0):
        """Asks the app to quit (SIGTERM) and returns its exit status."""
        proc = self.apps.pop()
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()

    def dump_log(self):
        p = os.path.join(self.tmp, "openmu.log")
        if os.path.exists(p):
            sys.stderr.write("--- openmu.log ---\n" + open(p, errors="replace").read()[-4000:])

    def close(self):
        for proc in self.apps:
            _stop_pid(proc.pid)
        self.apps = []
        bus_pid = self.bus.pid if self.bus else None
        xvfb_pid = self.xvfb.pid if self.xvfb else None
        # what the bus activated was re-parented to us: stop it by PID
        for pid in _children_of(os.getpid()):
            if pid not in (bus_pid, xvfb_pid):
                _stop_pid(pid)
        if bus_pid:
            _stop_pid(bus_pid)
        for pid in _children_of(os.getpid()):
            if pid != xvfb_pid:
                _stop_pid(pid)
        if xvfb_pid:
            _stop_pid(xvfb_pid)
        self.bus = self.xvfb = None
        if self.tmp:
            if os.environ.get("OPENMU_KEEP_TMP") == "1":
                sys.stderr.write(f"guienv: kept {self.tmp}\n")
            else:
                shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None
        if self._old_sigterm is not None:
            signal.signal(signal.SIGTERM, self._old_sigterm)
            self._old_sigterm = None


def screenshot(path, rect=None, settle=0.1, deadline=10.0):
    """Grabs the root window until two grabs settle apart are identical,
    then saves it as PNG (AT-SPI reports state before GTK paints)."""
    import gi
    gi.require_version("Gdk", "3.0")
    from gi.repository import Gdk
    Gdk.init([])
    root = Gdk.get_default_root_window()
    x, y, w, h = rect if rect else (0, 0, root.get_width(), root.get_height())
    x, y = max(x, 0), max(y, 0)
    w, h = min(w, root.get_width() - x), min(h, root.get_height() - y)
    end = time.monotonic() + deadline
    prev = Gdk.pixbuf_get_from_window(root, x, y, w, h)
    while True:
        time.sleep(settle)
        cur = Gdk.pixbuf_get_from_window(root, x, y, w, h)
        if cur.get_pixels() == prev.get_pixels() or time.monotonic() > end:
            break
        prev = cur
    os.makedirs(os.path.dirname(path), exist_ok=True)
    cur.savev(path, "png", [], [])
