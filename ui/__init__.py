"""The web app's parts that are not wiring: HTML, page assets, feedback log, embedding.

* ``render`` — every piece of HTML the chat and the article panel show (all text escaped),
  and the typed dicts of the /ask contract;
* ``theme`` — the page CSS, the article panel's script and the Gradio theme;
* ``feedback`` — the append-only 👍/👎 log;
* ``embed`` — the /embed demo page, a stable URL for Gradio's web-component bundle, and the
  ``gr.Blocks`` subclass whose ``launch()`` mounts them.

``app.py`` wires these into ``create_app()``. The environment defaults below are set before
any module here imports gradio (as ``app.py`` does): the page must work offline.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
