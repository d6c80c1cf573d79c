"""Messages that carry core events (from worker threads) to the app and its widgets."""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence

from textual.message import Message

from hltui.model.forest_preview import ForestPreview
from hltui.model.hits import HitMarks
from hltui.model.index import IndexBatch
from hltui.model.sessions import Forest


class LoadProgress(Message):
    """A batch of logs was indexed."""

    def __init__(self, batch: IndexBatch) -> None:
        super().__init__()
        self.batch = batch


class PreviewReady(Message):
    """The last forest's saved top rows, for files unchanged since: shown until the forest
    itself is loaded."""

    def __init__(self, preview: ForestPreview) -> None:
        super().__init__()
        self.preview = preview
        self.shown = threading.Event()  # set once it is on screen (the loader waits)


class ForestReady(Message):
    """A new session forest was built from the index."""

    def __init__(self, forest: Forest, *, final: bool = False) -> None:
        super().__init__()
        self.forest = forest
        self.final = final
        # set once the app shows the forest: the loader's work after the load waits for
        # it rather than hold the GIL while the tree takes the forest
        self.shown = threading.Event()


class SearchHits(Message):
    """Logs whose text matched a search, as they are found, then, when `done`, every hit
    in tree order."""

    def __init__(
        self,
        term: str,
        hits: Sequence[str],
        *,
        done: bool = False,
        marks: HitMarks | None = None,
    ) -> None:
        super().__init__()
        self.term = term
        self.hits = hits
        self.done = done
        self.marks = marks  # the hits found so far, marked by the worker as they come


class FilterApplied(Message):
    """The ids a filter keeps (None: everything), and where they are in `forest`.

    `places` are the `forest.items` indexes of the top items to show (see
    `Forest.tops_showing`), worked out in the worker for the forest shown then.
    """

    def __init__(
        self,
        visible: Collection[str] | None,
        description: str,
        forest: Forest | None = None,
        places: list[int] | None = None,
    ) -> None:
        super().__init__()
        self.visible = visible
        self.description = description
        self.forest = forest
        self.places = places
