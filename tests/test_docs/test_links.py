"""Every relative link of the README, the docs/ pages and the model-zoo page points to an
existing file, and every ``#anchor`` to a heading of its page (GitHub's heading ids)."""
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGES = sorted([REPO / 'README.md', REPO / 'configs' / 'adnet' / 'README.md',
                *(REPO / 'docs').glob('*.md')])

FENCE = re.compile(r'^(```|~~~).*?^\1', re.M | re.S)
INLINE_CODE = re.compile(r'`[^`\n]*`')
MD_LINK = re.compile(r'!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)')
HTML_LINK = re.compile(r'<(?:a|img)\s[^>]*?(?:href|src)="([^"]+)"', re.I)
HEADING = re.compile(r'^#{1,6}\s+(.+?)\s*#*\s*$', re.M)
EXTERNAL = re.compile(r'^[a-z][a-z0-9+.-]*:', re.I)     # http:, https:, mailto:, ...


def prose(text: str) -> str:
    """The page without fenced code blocks and inline code (links there are examples)."""
    return INLINE_CODE.sub('', FENCE.sub('', text))


def links(text: str) -> list:
    """Link targets of a markdown page: ``[..](x)``, ``![..](x)``, ``<a href="x">``."""
    body = prose(text)
    return MD_LINK.findall(body) + HTML_LINK.findall(body)


def slug(heading: str) -> str:
    """GitHub's id of a heading: links and code reduced to their text, lower case, characters
    other than letters, digits, ``_``, ``-`` and spaces dropped, spaces turned into ``-``."""
    text = re.sub(r'!?\[([^\]]*)\]\([^)]*\)', r'\1', heading)
    return re.sub(r'[^\w\- ]', '', text.lower()).replace(' ', '-')


def anchors(page: Path) -> set:
    """Heading ids of a markdown page (a repeated heading gets ``-1``, ``-2``, ...)."""
    seen, ids = {}, set()
    for heading in HEADING.findall(FENCE.sub('', page.read_text(encoding='utf-8'))):
        base = slug(heading)
        n = seen.get(base, 0)
        seen[base] = n + 1
        ids.add(base if n == 0 else f'{base}-{n}')
    return ids


def broken_links(page: Path) -> list:
    """'target: reason' for every relative link of ``page`` that does not resolve."""
    problems = []
    for target in links(page.read_text(encoding='utf-8')):
        if EXTERNAL.match(target):
            continue
        path, _, anchor = target.partition('#')
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            problems.append(f'{target}: {dest} does not exist')
        elif anchor and dest.suffix == '.md' and anchor not in anchors(dest):
            problems.append(f'{target}: no heading #{anchor} in {dest.name}')
    return problems


@pytest.mark.parametrize('page', PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_resolve(page):
    assert page.is_file(), f'{page} is missing'
    problems = broken_links(page)
    assert not problems, f'{page.relative_to(REPO)}: broken links:\n' + '\n'.join(problems)


def test_pages_link_each_other():
    """The README links every docs/ page, so none is orphaned (and the link parser finds
    links at all: a parser that finds none would pass the test above)."""
    targets = {Path(t.partition('#')[0]).name
               for t in links((REPO / 'README.md').read_text(encoding='utf-8'))}
    pages = {p.name for p in (REPO / 'docs').glob('*.md')}
    assert pages, 'docs/ has no pages'
    assert pages <= targets, f'docs pages the README does not link: {sorted(pages - targets)}'


def test_checker_reports_missing_files_and_anchors(tmp_path):
    """A missing file, a missing anchor and a link only inside code: the first two are
    reported, the third is not (it is an example, not a link)."""
    (tmp_path / 'other.md').write_text('# Title\n\n## `FaceTracker`: video\n', encoding='utf-8')
    page = tmp_path / 'page.md'
    page.write_text('[a](missing.md) [b](other.md#no-such-heading)\n'
                    '[c](other.md#facetracker-video) ![d](other.md) [e](https://example.org/x)\n'
                    '[f](#title-here)\n\n'
                    '# Title here\n\n```bash\n[g](in_code.md)\n```\n`[h](inline.md)`\n',
                    encoding='utf-8')
    problems = broken_links(page)
    assert len(problems) == 2, problems
    assert problems[0].startswith('missing.md: ')
    assert problems[1] == 'other.md#no-such-heading: no heading #no-such-heading in other.md'
