#!/usr/bin/env python3
# A GTK window that is red until it is tapped (or clicked), green after: what
# compositor/tests/toolkits.rs checks GTK's touch with. No packaged GTK program shows a tap
# in a way a screenshot can read. Usage: tap_me.py 3|4
# With `entry` after the version (GTK 3) it is a text field above the red area, which turns
# green once the field holds a "q" (the on-screen keyboard's test).
import sys

import gi

MAJOR = sys.argv[1] if len(sys.argv) > 1 else "3"
ENTRY = len(sys.argv) > 2 and sys.argv[2] == "entry"
gi.require_version("Gtk", MAJOR + ".0")
from gi.repository import Gtk  # noqa: E402

RED, GREEN = (1.0, 0.0, 0.0), (0.0, 1.0, 0.0)
colour = [RED]


def paint(cr):
    cr.set_source_rgb(*colour[0])
    cr.paint()


def tapped(area):
    colour[0] = GREEN
    area.queue_draw()


if ENTRY and MAJOR == "3":
    window = Gtk.Window(title="type here")
    window.set_decorated(False)
    box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL)
    entry = Gtk.Entry()
    area = Gtk.DrawingArea()
    area.connect("draw", lambda _, cr: paint(cr))
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
    area.connect("draw", lambda _, cr: paint(cr))
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
        area.set_draw_func(lambda _, cr, w, h: paint(cr))
        click = Gtk.GestureClick()
        click.connect("pressed", lambda *_: tapped(area))
        area.add_controller(click)
        window.set_child(area)
        window.present()

    app = Gtk.Application(application_id="org.test.TapMe")
    app.connect("activate", activate)
    app.run([])
