"""Checks the documentation's links offline; used by scripts/check-docs.sh.

    python3 scripts/lib/check_doc_links.py BOOK_DIR

Fails (exit 1, one line per problem) on:
  - a relative link or image in the built book (BOOK_DIR, written by mdBook) whose
    file is missing, or whose #anchor names no id in the target page;
  - a relative link or image in README.md, ARCHITECTURE.md or BENCHMARKS.md whose file
    is missing, or whose #anchor names no heading of the target Markdown file;
  - a code span in those files or in a chapter (docs/src) that names a repository path
    (`shared/store/src/keys.rs`, `deploy/`) that does not exist;
  - a chapter under docs/src that SUMMARY.md does not list.
Web links (scheme://, mailto:) are not followed.
"""

import html.parser
import pathlib
import re
import sys
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHAPTERS = ROOT / "docs" / "src"
TOP_LEVEL_DOCS = ["README.md", "ARCHITECTURE.md", "BENCHMARKS.md"]
# A code span naming one of these folders is taken as a path in the repository.
REPO_FOLDERS = (
    "api", "worker", "scheduler", "cli", "shared", "tools", "tests-support", "deploy",
    "scripts", "bench", "datasets", "docs", ".github", ".ci",
)
# Placeholders and globs mark a pattern, not a path.
PATTERN_CHARS = set("*{}<>$…|? ")
# Pages mdBook generates whose links are not the chapters' own.
GENERATED_PAGES = {"print.html", "toc.html", "404.html"}


class PageParser(html.parser.HTMLParser):
    """Collects a page's ids and its href/src attributes."""

    def __init__(self):
        super().__init__()
        self.ids = set()
        self.links = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name"):
                self.ids.add(value)
            elif name in ("href", "src"):
                self.links.append(value)


def is_external(target):
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target)) or target.startswith("//")


def parse_page(path, cache):
    if path not in cache:
        parser = PageParser()
        parser.feed(path.read_text(encoding="utf-8"))
        cache[path] = parser
    return cache[path]


def check_book(book, problems):
    pages = {}
    for page in sorted(book.rglob("*.html")):
        if page.relative_to(book).as_posix() in GENERATED_PAGES:
            continue
        for link in parse_page(page, pages).links:
            if is_external(link) or link.startswith("javascript:"):
                continue
            target, _, fragment = link.partition("#")
            target = urllib.parse.unquote(target.split("?")[0])
            fragment = urllib.parse.unquote(fragment)
            where = f"book: {page.relative_to(book)}: {link}"
            resolved = (page.parent / target).resolve() if target else page
            if resolved.is_dir():
                resolved = resolved / "index.html"
            if book.resolve() not in resolved.parents and resolved != book.resolve():
                problems.append(f"{where}: leads outside the book")
                continue
            if not resolved.is_file():
                problems.append(f"{where}: no such file")
                continue
            if fragment and resolved.suffix == ".html":
                if fragment not in parse_page(resolved, pages).ids:
                    problems.append(f"{where}: no anchor #{fragment}")


def without_code_blocks(text):
    """The Markdown text with fenced and indented code blocks blanked (lines kept)."""
    lines, fenced = [], False
    for line in text.split("\n"):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            lines.append("")
        elif fenced or line.startswith("    ") or line.startswith("\t"):
            lines.append("")
        else:
            lines.append(line)
    return lines


def heading_slugs(markdown):
    """Anchors of a Markdown file's headings, as GitHub makes them."""
    slugs, seen = set(), {}
    for line in without_code_blocks(markdown):
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        text = re.sub(r"[`*_\[\]]|\]\([^)]*\)", "", match.group(1)).strip().lower()
        slug = re.sub(r"[^\w\- ]", "", text).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        slugs.add(slug if count == 0 else f"{slug}-{count}")
    return slugs


LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_SRC = re.compile(r"<(?:img|a)\b[^>]*\b(?:src|href)=\"([^\"]+)\"")
CODE_SPAN = re.compile(r"(`+)([^`]+?)\1")


def check_markdown_links(path, problems):
    text = path.read_text(encoding="utf-8")
    for number, line in enumerate(without_code_blocks(text), 1):
        line = CODE_SPAN.sub("", line)
        for target in LINK.findall(line) + HTML_SRC.findall(line):
            if is_external(target):
                continue
            file_part, _, fragment = target.partition("#")
            where = f"{path.relative_to(ROOT)}:{number}: {target}"
            resolved = (path.parent / urllib.parse.unquote(file_part)).resolve() if file_part else path
            if not resolved.exists():
                problems.append(f"{where}: no such file")
            elif fragment and resolved.suffix == ".md":
                if fragment not in heading_slugs(resolved.read_text(encoding="utf-8")):
                    problems.append(f"{where}: no heading #{fragment}")


def check_code_span_paths(path, problems):
    text = path.read_text(encoding="utf-8")
    for number, line in enumerate(without_code_blocks(text), 1):
        for _, span in CODE_SPAN.findall(line):
            span = span.strip()
            if span.split("/")[0] not in REPO_FOLDERS or "/" not in span:
                continue
            if PATTERN_CHARS & set(span):
                continue
            candidate = span.split(":")[0].split("#")[0]
            if not (ROOT / candidate).exists():
                problems.append(f"{path.relative_to(ROOT)}:{number}: `{span}` names no file")


def check_summary(problems):
    summary = (CHAPTERS / "SUMMARY.md").read_text(encoding="utf-8")
    listed = {m for m in re.findall(r"\]\(([^)#]+\.md)\)", summary)}
    for chapter in sorted(CHAPTERS.rglob("*.md")):
        name = chapter.relative_to(CHAPTERS).as_posix()
        if name != "SUMMARY.md" and name not in listed:
            problems.append(f"docs/src/{name}: not listed in docs/src/SUMMARY.md")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    book = pathlib.Path(sys.argv[1]).resolve()
    problems = []
    check_book(book, problems)
    for name in TOP_LEVEL_DOCS:
        check_markdown_links(ROOT / name, problems)
    for path in [ROOT / n for n in TOP_LEVEL_DOCS] + sorted(CHAPTERS.rglob("*.md")):
        check_code_span_paths(path, problems)
    check_summary(problems)
    problems = list(dict.fromkeys(problems))
    for problem in problems:
        print(problem, file=sys.stderr)
    pages = sum(1 for _ in book.rglob("*.html"))
    if problems:
        print(f"documentation: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"documentation: ok ({pages} pages, {', '.join(TOP_LEVEL_DOCS)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
