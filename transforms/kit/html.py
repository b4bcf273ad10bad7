"""HTML pieces for the self-contained pages (report.html, followup.html): the page style, tables
that scroll sideways in a box, colour legends and stacked bar charts in plain HTML and CSS —
every text escaped, nothing loaded from anywhere."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

from transforms.settings import config_dir

STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;border-bottom:2px solid #4472C4;padding-bottom:4px;margin-top:32px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border:1px solid #bbb;padding:4px 8px;text-align:right}
th{background:#D9E1F2;white-space:nowrap}td:first-child,th:first-child{text-align:left}.note{color:#555;font-size:13px}
.scroll{overflow-x:auto;max-width:100%}
.bars{margin:10px 0;max-width:760px}.bars figcaption{font-weight:bold;font-size:14px;margin-bottom:4px}
.bar{display:flex;align-items:center;gap:6px;font-size:13px;margin:3px 0}
.bar-label{flex:0 0 8em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.bar-track{flex:1 1 auto;display:flex;height:16px;min-width:0}.bar-track i{display:block;height:100%}
.bar-value{flex:0 0 3.5em;text-align:left}
.legend span{display:inline-block;margin-right:14px;font-size:13px}
.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}
.headline{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.card{border:1px solid #ccd;border-radius:6px;padding:8px 12px;min-width:140px;flex:1 1 140px;background:#F7F9FC}
.card b{display:block;font-size:22px}.card small{color:#555}
details{margin:8px 0}summary{cursor:pointer;color:#2F5597}td.muted{color:#999}
@media (max-width:600px){body{margin:8px}h1{font-size:19px}.card b{font-size:19px}
table{font-size:12px}th,td{padding:3px 4px}th{white-space:normal}td:first-child{white-space:nowrap}
.bar-label{flex-basis:5.5em}}
"""


class Muted(str):
    """A table cell shown greyed: a figure too thin to judge by (a share over too few answers)."""


def _cell(value: object) -> str:
    if isinstance(value, Muted):
        return f'<td class="muted">{escape(str(value))}</td>'
    return f"<td>{escape(str(value))}</td>"


def html_table(headers: list[str], rows: list[list], footer: list | None = None) -> str:
    """A table in a box that scrolls sideways on a narrow screen (the page itself never does)."""
    head = "".join(f"<th>{escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in r) + "</tr>" for r in rows)
    foot = "<tfoot><tr>" + "".join(f"<th>{escape(str(v))}</th>" for v in footer) + "</tr></tfoot>" if footer else ""
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>{foot}</table></div>'


def legend(parts: list[tuple[str, str]]) -> str:
    """What each colour of a chart means."""
    items = "".join(f'<span><i style="background:{c}"></i>{escape(label)}</span>' for label, c in parts)
    return f'<p class="legend">{items}</p>'


def bar_chart(title: str, items: list[tuple[str, list[tuple[str, float, str]]]]) -> str:
    """A horizontal stacked bar chart in plain HTML and CSS: items = [(label, [(part, value,
    colour)])]. Its text is the page's text (readable at a phone's width, where a scaled-down
    drawing's labels shrink to a few pixels); each segment titled with its part's name and value."""
    total_max = max((sum(v for _, v, _ in parts) for _, parts in items), default=0) or 1
    rows = []
    for label, parts in items:
        segments = "".join(
            f'<i style="width:{100 * value / total_max:.2f}%;background:{colour}" '
            f'title="{escape(label)} {escape(part)} {value:g}"></i>'
            for part, value, colour in parts
            if value > 0
        )
        total = sum(v for _, v, _ in parts)
        rows.append(
            f'<div class="bar"><span class="bar-label">{escape(label)}</span>'
            f'<span class="bar-track">{segments}</span><span class="bar-value">{total:g}</span></div>'
        )
    return f'<figure class="bars" role="img" aria-label="{escape(title)}"><figcaption>{escape(title)}</figcaption>{"".join(rows)}</figure>'


def render_page(template: str, **context: object) -> str:
    """A page from its template in the county's configuration (`config/templates/<template>`):
    text is escaped; the pieces drawn here (tables, charts, legends) arrive as `Markup`. A name
    the template uses and the caller did not give is an error, not a blank."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(config_dir() / "templates"), autoescape=True, undefined=StrictUndefined)
    return env.get_template(template).render(**context)


def drawn(piece: str) -> Markup:
    """A piece of HTML drawn by this module (its text already escaped), for a template."""
    return Markup(piece)
