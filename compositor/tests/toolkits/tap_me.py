#!/usr/bin/env python3
# A GTK window that is red until it is tapped (or clicked), green after: what
# compositor/tests/toolkits.rs checks GTK's touch with. No packaged GTK program shows a tap
# in a way a screenshot can read. Usage: tap_me.py 3|4 [entry] [app-id=ID] [colour=RRGGBB]
# With `entry` it is a text field above the red area, which turns green once the
# field holds a "q" (the on-screen keyboard's test). `app-id` names the window's app (GTK 3
# takes it from the program name), `colour` replaces the red before a tap, and `frame` draws
# a 4-pixel green frame along the window's edges (where its edges are shows its size).
import sys

import gi

MAJOR = sys.argv[1] if len(sys.argv) > 1 else "3"
OPTIONS = sys.argv[2:]
ENTRY = "entry" in OPTIONS
FRAME = "frame" in OPTIONS
SETTINGS = dict(option.split("=", 1) for option in OPTIONS if "=" in option)
APP_ID = SETTINGS.get("app-id", "org.test.TapMe")
gi.require_version("Gtk", MAJOR + ".0")
from gi.repository import GLib, Gtk  # noqa: E402

GLib.set_prgname(APP_ID)
GREEN = (0.0, 1.0, 0.0)
FIRST = tuple(int(SETTINGS.get("colour", "ff0000")[i : i + 2], 16) / 255 for i in (0, 2, 4))
colour = [FIRST]


def paint(cr, width, height):
    cr.set_source_rgb(*colour[0])
    cr.paint()
    if FRAME:
        cr.set_source_rgb(*GREEN)
        for x, y, w, h in [(0, 0, width, 4), (0, height - 4, width, 4), (0, 0, 4, height),
                           (width - 4, 0, 4, height)]:
            cr.rectangle(x, y, w, h)
        cr.fill()


def paint_widget(widget, cr):
    paint(cr, widget.get_allocated_width(), widget.get_allocated_height())


def tapped(area):
    colour[0] = GREEN
    area.queue_draw()


if ENTRY and MAJOR == "3":
    window = Gtk.Window(title="type here")
    window.set_decorated(False)
    box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL)
    entry = Gtk.Entry()
    area = Gtk.DrawingArea()
    area.connect("draw", paint_widget)
    entry.connect("changed", lambda field: field.get_text() == "q" and tapped(area))
    box.pack_start(entry, False, False, 0)
    box.pack_start(area, True, True, 0)
    window.add(box)
    window.connect("destroy", Gtk.main_quit)
    window.show_all()
    entry.grab_focus()
    Gtk.main()
elif MAJOR == "3":
    from gi.repository import Gdk  # noqa: E402

    window = Gtk.Window(title="tap me")
    window.set_decorated(False)
    area = Gtk.DrawingArea()
    area.connect("draw", paint_widget)
    # A touch reaches a widget without the touch mask as an emulated button press.
    area.add_events(Gdk.EventMask.BUTTON_PRESS_MASK)
    area.connect("button-press-event", lambda widget, _: tapped(widget))
    window.add(area)
    window.connect("destroy", Gtk.main_quit)
    window.show_all()
    Gtk.main()
else:
    def activate(app):
        window = Gtk.ApplicationWindow(application=app, title="tap me")
        window.set_decorated(False)
        area = Gtk.DrawingArea()
        area.set_draw_func(lambda _, cr, w, h: paint(cr, w, h))
        area.set_vexpand(True)
        if ENTRY:
            box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL)
            entry = Gtk.Entry()
            entry.connect("changed", lambda field: field.get_text() == "q" and tapped(area))
            box.append(entry)
            box.append(area)
            window.set_child(box)
            window.present()
            entry.grab_focus()
        else:
            click = Gtk.GestureClick()
            click.connect("pressed", lambda *_: tapped(area))
            area.add_controller(click)
            window.set_child(area)
            window.present()

    app = Gtk.Application(application_id=APP_ID)
    app.connect("activate", activate)
    app.run([])
