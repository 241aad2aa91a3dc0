"""The services screen (issue 18): Orders, Payments and Shipping as boxes with the lanes
between them, the messages in flight on each lane, the outbox, what each inbox skipped, a
crashed service, and the checkout sagas by state. One Line API widget fed a
`ServicesPicture` each frame (attributes down; it never reads a lab); hidden while services
are off. The layout is `services_layout`; this widget styles it."""

from __future__ import annotations

from rich.style import Style
from textual.geometry import Size
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from cqrs_lab.services.picture import OFF, ServicesPicture
from cqrs_lab.tui.widgets.format import Run, to_strip
from cqrs_lab.tui.widgets.services_layout import layout

ROLES = (
    "box",
    "shade",
    "name",
    "crashed",
    "muted",
    "value",
    "dup",
    "setting",
    "track",
    "arrow",
    "message",
    "drop",
    "redelivery",
    "label",
    "time",
    "more",
    "on",
    "off",
    "pending",
    "lost",
    "saga",
    "legend",
)


class ServicesView(Widget):
    """The services as boxes, the lanes between them, the outbox and the sagas."""

    COMPONENT_CLASSES = {f"services-view--{role}" for role in ROLES}

    compact: reactive[bool] = reactive(False)
    """A short screen: three rows a lane, shaded blocks instead of bordered boxes."""

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._picture: ServicesPicture = OFF
        self._rows: list[list[Run]] = []
        self._layout_width = -1
        self.display = False

    @property
    def picture(self) -> ServicesPicture:
        """The picture drawn last."""
        return self._picture

    def show(self, picture: ServicesPicture) -> None:
        """Draw this picture of the services (nothing when it has not changed); shown only
        while services are on."""
        if picture == self._picture:
            return
        drawn = len(self._rows)
        self._picture = picture
        self.display = picture.on
        self._layout()
        self.refresh(layout=len(self._rows) != drawn)  # a lane more, the sagas on a row

    def watch_compact(self) -> None:
        self._layout()
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(layout(self._picture, max(1, width), compact=self.compact))

    def render_line(self, y: int) -> Strip:
        if self.size.width != self._layout_width:
            self._layout()
        runs = self._rows[y] if y < len(self._rows) else []
        return to_strip(runs, self.size.width, self._style, self.rich_style)

    def _layout(self) -> None:
        self._layout_width = self.size.width
        self._rows = layout(self._picture, self._layout_width, compact=self.compact)

    def _style(self, role: str) -> Style:
        """A role's style; `A+B` is A with B laid over it (a run inside a shaded box)."""
        style = Style()
        for part in role.split("+"):
            style += self.get_component_rich_style(f"services-view--{part}")
        return style
