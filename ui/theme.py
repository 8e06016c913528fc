"""Page assets: the CSS, the offline script that makes footnotes jump to the article, and
the Gradio theme (fonts the app serves itself)."""

from __future__ import annotations

from typing import Any

import gradio as gr

CSS = """
#qantar-article .qantar-scroll { max-height: 72vh; overflow-y: auto;
  border: 1px solid var(--border-color-primary); border-radius: var(--radius-lg);
  padding: 0.75rem 1rem; background: var(--background-fill-primary); }
.qantar-byline, .qantar-panel-hint { color: var(--body-text-color-subdued);
  font-size: 0.85rem; margin-bottom: 0.5rem; }
.qantar-article-text { white-space: pre-wrap; line-height: 1.55; }
mark.qantar-span { background: #fff3b0; color: #1f2937; border-radius: 3px; padding: 0 1px; }
mark.qantar-span.qantar-latest { background: #ffe066; }
mark.qantar-span.qantar-active { background: #ffb347; outline: 2px solid #e8590c; }
.qantar-cite { text-decoration: none; font-weight: 600; cursor: pointer; }
.qantar-sources { margin-top: 0.5rem; font-size: 0.9em; border-top: 1px solid
  var(--border-color-primary); padding-top: 0.35rem; }
.qantar-sources-head { font-weight: 600; margin-bottom: 0.2rem; }
ul.qantar-source-list { list-style: none; padding-left: 0; margin: 0; }
li.qantar-source { margin: 0.2rem 0; }
q.qantar-quote { quotes: none; background: #fff3b0; color: #1f2937; border-radius: 3px;
  padding: 0 2px; }
.qantar-where { color: var(--body-text-color-subdued); }
.qantar-status { display: inline-block; font-size: 0.8em; font-weight: 600; line-height: 1.4;
  border: 1px solid; border-radius: 999px; padding: 0.05rem 0.6rem; margin-bottom: 0.3rem; }
.qantar-writer { font-size: 0.8em; opacity: 0.75; }
.qantar-status-answered { background: #e6f4ea; color: #1e5631; border-color: #a3d9b1; }
.qantar-status-closest { background: #fff4e0; color: #7a4100; border-color: #f5a524; }
.qantar-status-not_found { background: #f1f3f5; color: #495057; border-color: #ced4da; }
#qantar-chat [data-testid="bot"]:has(.qantar-status-closest) {
  border-left: 4px solid #f5a524; }
"""

#: js_on_load of the article panel (runs in the app page and in embeds, no network needed).
#: Clicking any ``a.qantar-cite`` scrolls the panel to that span and marks it active.
PANEL_JS = r"""
const root = () => (document.querySelector('#qantar-article .qantar-scroll')
  || element.querySelector('.qantar-scroll') || element);
function activate(id) {
  const panel = root();
  const anchor = panel.querySelector('#' + CSS.escape(id));
  if (!anchor) { return false; }
  panel.querySelectorAll('mark.qantar-active')
    .forEach((m) => m.classList.remove('qantar-active'));
  const key = 'qc-' + id.replace('qantar-src-', '');
  const marks = panel.querySelectorAll('mark.' + CSS.escape(key));
  marks.forEach((m) => m.classList.add('qantar-active'));
  const target = marks[0] || anchor;
  const box = panel.getBoundingClientRect();
  const at = target.getBoundingClientRect();
  panel.scrollTo({ top: panel.scrollTop + at.top - box.top - panel.clientHeight / 3,
                   behavior: 'smooth' });
  return true;
}
if (!window.__qantarCiteHandler) {
  window.__qantarCiteHandler = (event) => {
    const link = event.target.closest && event.target.closest('a.qantar-cite');
    if (!link) { return; }
    const id = (link.getAttribute('href') || '').replace(/^#/, '');
    if (!id.startsWith('qantar-src-')) { return; }
    event.preventDefault();
    event.stopPropagation();
    if (window.__qantarActivate) { window.__qantarActivate(id); }
  };
  document.addEventListener('click', window.__qantarCiteHandler, true);
}
window.__qantarActivate = activate;
watch('value', () => {
  const latest = root().querySelector('mark.qantar-latest');
  if (latest) {
    const box = root().getBoundingClientRect();
    root().scrollTop += latest.getBoundingClientRect().top - box.top - root().clientHeight / 3;
  }
});
"""


def make_theme() -> gr.themes.Base:
    """Gradio's default look with fonts the app serves itself, then system fonts."""
    return gr.themes.Default(
        primary_hue="amber",
        font=[gr.themes.LocalFont("Source Sans Pro"), "ui-sans-serif", "system-ui",
              "-apple-system", "Segoe UI", "Roboto", "Arial", "sans-serif"],
        font_mono=[gr.themes.LocalFont("IBM Plex Mono"), "ui-monospace", "SFMono-Regular",
                   "Menlo", "Consolas", "monospace"],
    )


def page_options() -> dict[str, Any]:
    """theme/css for ``launch()`` or ``gr.mount_gradio_app`` (all assets served locally)."""
    return {"theme": make_theme(), "css": CSS}
