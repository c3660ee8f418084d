"""The crawl: after seed_demo, each demo role follows every same-site link reachable from its home page (and submits
every GET form with its defaults), in Chinese and in English. No page answers a server error or a broken link, none
shows another tenant's data, and none shows an untranslated message id or a raw code where a label belongs, an
English "1 apprentices", a raw Python value, Django's "---------" as a choice, a table that widens the page on a phone instead of scrolling inside its
wrapper, or a date input whose value the browser cannot read (anything but ISO).

Nothing is listed by hand: a page added later is reached through the links that lead to it.
"""

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

LOCALE = Path(__file__).resolve().parents[2] / "locale"
SKIP_PREFIXES = ("/static/", "/i18n/", "/accounts/logout", "/admin/", "/dev/", "/api/")
PER_PATTERN = 3  # distinct URLs of one shape (/school/students/<n>/) visited per role and language
MAX_PAGES = 400
DOWNLOAD_TYPES = (
    "application/pdf",
    "text/csv",
    "application/zip",
    "application/vnd.",
    "image/",
    "application/x-",
)
NOT_TEXT = {"script", "style", "pre"}
SCROLLERS = {"table-wrap", "table-scroll"}  # a table scrolls inside one of these, never the page (390 wide)
DATE_VALUE = {"date": r"\d{4}-\d{2}-\d{2}", "datetime-local": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?"}
PLURAL = re.compile(r"(?<![\d.,])1 [a-z]+(?<![su])s\b")  # "1 apprentices"; "1 class", "1 status" are fine
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Page(HTMLParser):
    """Links, GET forms, and the visible text nodes and label-like attributes of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self.texts: list[str] = []  # visible text and label-like attributes: checked for untranslated ids
        self.labels: list[str] = []  # visible text outside <code> and muted notes: checked for raw codes
        self.layout: list[str] = []  # tables that would widen the page, date inputs the browser cannot read
        self._stack: list[bool] = []
        self._scrollers: list[bool] = []  # per open element: does it scroll its content sideways
        self._skip = 0
        self._form: dict | None = None
        self._select: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in NOT_TEXT:
            self._skip += 1
        classes = set(a.get("class", "").split())
        if tag == "table" and not any(self._scrollers):
            self.layout.append(
                "a <table> outside a scrolling wrapper (div.table-wrap) widens the page on a phone"
            )
        kind = a.get("type", "")
        if (
            tag == "input"
            and kind in DATE_VALUE
            and a.get("value")
            and not re.fullmatch(DATE_VALUE[kind], a["value"])
        ):
            self.layout.append(f"<input type={kind} name={a.get('name')}> value {a['value']!r} is not ISO")
        if tag not in VOID:
            self._stack.append(tag == "code" or "muted" in classes)
            self._scrollers.append(bool(classes & SCROLLERS))
        for name in ("placeholder", "aria-label", "title", "alt"):
            if a.get(name):
                self.texts.append(a[name])
                self.labels.append(a[name])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form" and a.get("method", "get").lower() == "get":
            self._form = {"action": a.get("action", ""), "fields": []}
            self.forms.append(self._form)
        elif self._form is not None and tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind not in ("checkbox", "radio", "submit", "file") or "checked" in a:
                self._form["fields"].append((a["name"], a.get("value", "")))
        elif self._form is not None and tag == "select" and a.get("name"):
            self._select = (a["name"], [])
        elif self._select is not None and tag == "option":  # the selected option first, else the first option
            self._select[1].insert(0 if "selected" in a else len(self._select[1]), a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self._stack:
            self._stack.pop()
            self._scrollers.pop()
        if tag in NOT_TEXT and self._skip:
            self._skip -= 1
        elif tag == "select" and self._select is not None and self._form is not None:
            name, values = self._select
            self._form["fields"].append((name, values[0] if values else ""))
            self._select = None
        elif tag == "form":
            self._form = None

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append(data.strip())
            if not any(self._stack):  # a code beside its label, set off as <code> or muted, is not a raw code
                self.labels.append(data.strip())


def _catalogue_ids() -> set[str]:
    """Every Chinese message id of the catalogue that is long enough not to be a data value by chance."""
    text = (LOCALE / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    ids = set()
    for found in re.finditer(r'^msgid "(.+)"$', text, re.M):
        msgid = found.group(1).replace('\\"', '"')
        if "%(" not in msgid and re.search(r"[\u4e00-\u9fff]", msgid) and len(msgid) >= 3:
            ids.add(msgid)
    return ids


def _codes() -> set[str]:
    """Codes that must never stand where their label belongs: rules, statuses, hazard tags, parties, reasons."""
    from backend.companies.models import HazardTag
    from backend.matching.engine import MESSAGES
    from backend.placements.models import PlacementStatus
    from backend.portal.rules_labels import RULE_LABELS

    codes = set(RULE_LABELS) | set(MESSAGES) | {t.value for t in HazardTag}
    codes |= {s.value for s in PlacementStatus if "_" in s.value or s.value in ("proposed", "signing")}
    codes |= {"heavy_lifting", "work_injury", "AGREEMENT_DATA_MISSING"}
    return codes


@dataclass
class Crawl:
    user: object
    language: str
    foreign: list[str]
    problems: list[str] = field(default_factory=list)
    visited: set[str] = field(default_factory=set)
    patterns: dict[str, int] = field(default_factory=dict)


def _same_site(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or (parts.netloc and parts.netloc != "testserver"):
        return None
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith(SKIP_PREFIXES):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def _pattern(url: str) -> str:
    return re.sub(r"\d+", "{n}", url.split("?")[0]) + (
        "?" + "&".join(sorted(re.sub(r"=.*", "", q) for q in url.split("?")[1].split("&")))
        if "?" in url
        else ""
    )


def _check(crawl: Crawl, url: str, html: str, ids: set[str], codes: set[str]) -> Page:
    page = Page()
    page.feed(html)
    for marker in crawl.foreign:
        if marker in html:
            crawl.problems.append(f"{url}: shows another tenant's {marker!r}")
    for text in page.texts:
        if crawl.language == "en" and text in ids:
            crawl.problems.append(f"{url}: untranslated {text!r}")
        if crawl.language == "en" and (plural := PLURAL.search(text)):
            crawl.problems.append(f"{url}: plural {plural.group()!r} in {text[:80]!r}")
        if "{'" in text:
            crawl.problems.append(f"{url}: a raw Python value in {text[:80]!r}")
        if re.fullmatch(r"-{5,}", text):
            crawl.problems.append(f"{url}: Django's empty choice {text!r} where a label belongs")
    crawl.problems += [f"{url}: {problem}" for problem in sorted(set(page.layout))]
    for text in page.labels:
        tokens = {t for t in re.split(r"[\s,，、·:：()（）/]+", text) if t}
        # a code with an underscore anywhere (heavy_lifting, DAILY_HOURS), or a text made only of codes (height)
        raw = {t for t in tokens & codes if "_" in t} or (tokens if tokens and tokens <= codes else set())
        if raw:
            crawl.problems.append(f"{url}: raw code {sorted(raw)} in {text[:80]!r}")
    return page


def _crawl(crawl: Crawl, client: Client, ids: set[str], codes: set[str]) -> None:
    queue = deque(["/"])
    while queue and len(crawl.visited) < MAX_PAGES:
        url = queue.popleft()
        if url in crawl.visited:
            continue
        pattern = _pattern(url)
        if crawl.patterns.get(pattern, 0) >= PER_PATTERN:
            continue
        crawl.visited.add(url)
        crawl.patterns[pattern] = crawl.patterns.get(pattern, 0) + 1
        response = client.get(url)
        if response.status_code >= 500:
            crawl.problems.append(f"{url}: {response.status_code}")
            continue
        if response.status_code == 404:
            crawl.problems.append(f"{url}: 404 (a broken link)")
            continue
        if response.status_code in (301, 302):
            target = _same_site(urljoin(url, response["Location"]))
            if target:
                queue.appendleft(target)
            continue
        content_type = response.get("Content-Type", "")
        if response.status_code != 200 or not content_type.startswith("text/html"):
            if response.status_code not in (200, 403, 405):
                crawl.problems.append(f"{url}: {response.status_code}")
            continue
        page = _check(crawl, url, response.content.decode(), ids, codes)
        for href in page.links:
            target = _same_site(urljoin(url, href))
            if target and target not in crawl.visited:
                queue.append(target)
        for form in page.forms:
            action = _same_site(urljoin(url, form["action"] or url))
            if action:
                query = urlencode([(k, v) for k, v in form["fields"] if k != "csrfmiddlewaretoken"])
                queue.append(f"{action.split('?')[0]}?{query}" if query else action.split("?")[0])


def _foreign_markers(user) -> list[str]:  # type: ignore[no-untyped-def]
    """Names that this user's organisation must never see: the other schools, or the other companies."""
    from backend.companies.models import Company
    from backend.schools.models import School, Student

    role = user.role
    if role in ("coordinator", "teacher"):
        others = School.objects.exclude(pk=user.school_id)
        ids = list(Student.objects.exclude(school=user.school_id).values_list("resident_id", flat=True)[:5])
        return [s.name for s in others] + ids
    if role in ("hr", "mentor"):
        # The companies of the same pilot write its training plan together and each sees the others' approval:
        # their names are not another tenant's data there; every other company's are.
        partners = Company.objects.filter(pilots__companies=user.company_id)
        return list(
            Company.objects.exclude(pk=user.company_id)
            .exclude(pk__in=partners)
            .values_list("name", flat=True)
        )
    if role in ("student", "guardian"):
        student = user.student if role == "student" else user.guardian.student
        others = Student.objects.exclude(pk=student.pk)
        return list(School.objects.exclude(pk=student.school_id).values_list("name", flat=True)) + list(
            others.values_list("resident_id", flat=True)[:5]
        )
    return []


@pytest.mark.libreoffice
def test_every_page_each_demo_role_reaches_answers_in_its_language_with_its_own_data(transactional_db):
    from backend.accounts.models import User

    # given the demo as `make run` loads it
    call_command("seed_demo")
    ids, codes = _catalogue_ids(), _codes()
    users = list(
        User.objects.filter(
            username__in=[
                "coord1",
                "coord2",
                "hr1",
                "hr2",
                "bureau",
                "mentor1",
                "teacher1",
                "student1",
                "student2",
                "guardian1",
            ]
        ).select_related("student", "guardian__student")
    )
    assert len(users) == 10
    problems: list[str] = []
    reached: dict[str, int] = {}
    for user in users:
        for language in ("zh-hans", "en"):
            # when the user follows every link from their home page
            client = Client()
            client.force_login(user)
            client.cookies["django_language"] = language
            crawl = Crawl(user=user, language=language, foreign=_foreign_markers(user))
            _crawl(crawl, client, ids, codes)
            reached[f"{user.username}/{language}"] = len(crawl.visited)
            problems += [f"[{user.username} {language}] {p}" for p in crawl.problems]
    # then every page answered, in the user's language, with the user's own organisation's data only
    assert not problems, "\n".join(sorted(set(problems))[:80])
    # and the crawl went somewhere: the coordinator and HR reach far more than their dashboards
    assert reached["coord1/zh-hans"] > 20 and reached["hr1/zh-hans"] > 10, reached
