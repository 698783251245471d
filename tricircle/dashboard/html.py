"""The dashboard's HTML: one layout, tables, forms; every value escaped."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from aiohttp import web

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #222; }
header { background: #1d3557; color: #fff; padding: .6em 1.2em; display: flex; gap: 1.5em; }
header a { color: #fff; text-decoration: none; } header .who { margin-left: auto; }
main { padding: 1em 1.2em; } h2 { margin-top: 1.4em; font-size: 1.1em; }
table { border-collapse: collapse; } th, td { border: 1px solid #ccc; padding: .3em .6em; }
th { background: #f1f3f5; text-align: left; } .up { color: #2b8a3e; font-weight: bold; }
.down { color: #c92a2a; font-weight: bold; } .note { color: #666; }
.error { color: #c92a2a; } form.inline { display: inline; } .az { margin: .2em 0; }
"""

# Refreshes the parts marked data-refresh from the same page, so a pod's health shows
# within one probe interval without reloading the page (and without losing a form).
REFRESH = """
for (const part of document.querySelectorAll('[data-refresh]')) {
  const every = Number(part.dataset.refresh) * 1000;
  setInterval(async () => {
    const answer = await fetch(location.href, {credentials: 'same-origin'});
    if (!answer.ok) return;
    const page = new DOMParser().parseFromString(await answer.text(), 'text/html');
    const fresh = page.getElementById(part.id);
    if (fresh) part.innerHTML = fresh.innerHTML;
  }, every);
}
"""

NAVIGATION = (
    ("/dashboard", "Pods"),
    ("/dashboard/jobs", "Jobs"),
    ("/dashboard/routings", "Routing"),
)


def page(title: str, body: str, *, user: str | None = None, status: int = 200) -> web.Response:
    links = "".join(f'<a href="{href}">{escape(text)}</a>' for href, text in NAVIGATION)
    who = ""
    if user is not None:
        who = (
            f'<span class="who">{escape(user)} '
            '<form class="inline" method="post" action="/dashboard/logout">'
            '<button type="submit">Log out</button></form></span>'
        )
    document = (
        "<!doctype html><html><head><meta charset=utf-8>"
        f"<title>{escape(title)} · Tricircle</title><style>{STYLE}</style></head><body>"
        f"<header><strong>Tricircle</strong>{links if user else ''}{who}</header>"
        f"<main><h1>{escape(title)}</h1>{body}</main><script>{REFRESH}</script></body></html>"
    )
    return web.Response(text=document, content_type="text/html", status=status)


def table(headings: Sequence[str], rows: Iterable[Sequence[str]], *, empty: str) -> str:
    """Cells are HTML already (use `text` for plain values)."""
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    if not body:
        return f'<p class="note">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headings)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def text(value: Any) -> str:
    return "" if value is None else escape(str(value))


def link(href: str, label: Any) -> str:
    return f'<a href="{escape(href)}">{text(label)}</a>'


def button(action: str, label: str) -> str:
    return (
        f'<form class="inline" method="post" action="{escape(action)}">'
        f'<button type="submit">{escape(label)}</button></form>'
    )
