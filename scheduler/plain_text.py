"""Text as a definition holds it, from what other programme tools write: printable,
line ends as LF, and HTML (as pretalx, frab and FOSDEM write abstracts and
descriptions) turned into plain text that keeps its paragraphs, lists and link
targets readable (inscriptis, a maintained HTML-to-text library)."""

from __future__ import annotations

import html
import re

#: what marks text as HTML: a tag the source's editors write, or an entity
HTML = re.compile(
    r"</?(p|br|div|span|a|b|i|em|strong|ul|ol|li|h[1-6]|pre|code|blockquote|table|tr|td)\b"
    r"[^>]*>|&(#\d+|#x[0-9a-f]+|[a-z]+);",
    re.IGNORECASE,
)


def one_line(text: str) -> str:
    """Printable text on one line, its runs of white space one space."""
    return " ".join(printable(text).split())


def printable(text: str) -> str:
    """Text a definition accepts: line ends as "\\n", no other control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]", " ", text)


def plain(text: str) -> str:
    """Text as a definition holds it: HTML (as pretalx, frab and FOSDEM write abstracts)
    turned into plain text with its paragraphs, lists and link targets kept readable."""
    text = printable(text).strip()
    if not HTML.search(text):
        return text
    from inscriptis import get_text
    from inscriptis.model.config import ParserConfig

    shown = get_text(text, ParserConfig(display_links=True))
    shown = re.sub(r"\[([^\]\n]+)\]\(\1\)", r"\1", shown)  # a link that shows its address
    shown = re.sub(r"[ \t]+\n", "\n", html.unescape(shown))
    return printable(re.sub(r"\n{3,}", "\n\n", shown)).strip()
