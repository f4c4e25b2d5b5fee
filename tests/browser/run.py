#!/usr/bin/env python3
"""Browser tests: drive Debian's chromium through chromedriver (plain WebDriver over HTTP, standard
library only) against a freshly started `dangjian serve` on the demo city, and save screenshots
under target/browser/.

The figures the pages must show are taken from the CLI's machine-readable statistics on the same
database (`stats coverage --format json`), a separate code path from the pages.

Usage: tests/browser/run.py PATH/TO/dangjian
"""
import base64
import re
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/debug/dangjian")
OUT = os.path.abspath("target/browser")
PASSED = 0
FAILED = 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def gone(error):
    """Whether a WebDriver error says the element's page was replaced (a form post, or a page
    written by script): chromedriver says "stale element" or, for a document replaced by
    document.write, that the node "does not belong to the document"."""
    text = str(error)
    return "stale element" in text or "does not belong to the document" in text


class Browser:
    """A minimal W3C WebDriver client."""

    def __init__(self):
        self.port = free_port()
        self.driver = subprocess.Popen(["chromedriver", f"--port={self.port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(50):
            try:
                http("GET", self.base + "/status")
                break
            except OSError:
                time.sleep(0.2)
        self.profile = tempfile.mkdtemp()
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={self.profile}", "--window-size=1366,900", "--lang=zh-CN"]
        status, body = http("POST", self.base + "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args}}}})
        if status != 200:
            raise RuntimeError(f"chromedriver refused the session: {body}")
        self.session = json.loads(body)["value"]["sessionId"]
        # Wait up to 5 s for elements to appear (pages load after form posts).
        self.cmd("POST", "/timeouts", {"implicit": 5000, "pageLoad": 30000})

    def cmd(self, method, path, body=None):
        status, text = http(method, f"{self.base}/session/{self.session}{path}", body)
        value = json.loads(text)["value"] if text else None
        if status != 200:
            raise RuntimeError(f"{method} {path}: {value}")
        return value

    def go(self, url):
        self.cmd("POST", "/url", {"url": url})

    def find(self, css):
        v = self.cmd("POST", "/element", {"using": "css selector", "value": css})
        return list(v.values())[0]

    def find_all(self, css):
        return [list(e.values())[0] for e in self.cmd("POST", "/elements", {"using": "css selector", "value": css})]

    def type(self, css, text):
        el = self.find(css)
        self.cmd("POST", f"/element/{el}/clear", {})
        self.cmd("POST", f"/element/{el}/value", {"text": text})

    def click(self, css, accept_dialog=False):
        el = self.find(css)
        self.cmd("POST", f"/element/{el}/click", {})
        if accept_dialog:
            # A button that asks first (confirm()): answer yes; without a dialog there is none.
            try:
                self.cmd("POST", "/alert/accept", {})
            except RuntimeError:
                pass
        # Every click here submits a form or follows a link: wait until the clicked element's page
        # is gone (its element turns stale), so that the next step never acts on the old page,
        # then until the new one is loaded.
        for _ in range(100):
            try:
                self.cmd("GET", f"/element/{el}/enabled")
            except RuntimeError as e:
                if gone(e):
                    break
                raise
            time.sleep(0.05)
        self.wait_ready()

    def text(self, css="body"):
        # A form post may still be replacing the page: retry an element gone stale.
        for attempt in range(50):
            try:
                return self.cmd("GET", f"/element/{self.find(css)}/text")
            except RuntimeError as e:
                if not gone(e) or attempt == 49:
                    raise
                time.sleep(0.1)

    def wait_ready(self):
        for _ in range(100):
            if self.cmd("POST", "/execute/sync", {"script": "return document.readyState", "args": []}) == "complete":
                return
            time.sleep(0.05)

    def attr(self, el, name):
        return self.cmd("GET", f"/element/{el}/attribute/{name}")

    def upload(self, css, path):
        self.cmd("POST", f"/element/{self.find(css)}/value", {"text": path})

    def url(self):
        return self.cmd("GET", "/url")

    def screenshot(self, name):
        os.makedirs(OUT, exist_ok=True)
        png = base64.b64decode(self.cmd("GET", "/screenshot"))
        with open(os.path.join(OUT, name + ".png"), "wb") as f:
            f.write(png)

    def delete_cookies(self):
        self.cmd("DELETE", "/cookie")

    def quit(self):
        try:
            self.cmd("DELETE", "")
        finally:
            self.driver.terminate()
            shutil.rmtree(self.profile, ignore_errors=True)


def fixed_code(code):
    """Recomputes the GB 32100 check character of an 18-character credit code."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    r = 31 - sum(alphabet.index(c) * w for c, w in zip(code[:17], weights)) % 31
    return code[:17] + alphabet[0 if r == 31 else r]


def check(name, condition, detail=""):
    global PASSED, FAILED
    if condition:
        PASSED += 1
        print(f"ok   {name}")
    else:
        FAILED += 1
        print(f"FAIL {name} {detail}")


def province_scale(browser, work):
    """The party-org list of a 100,000-org city: one page of 20 under 200 kB, its total the
    API's, the next page numbered on."""
    db = f"sqlite://{work}/province.db"
    env = dict(os.environ, DANGJIAN_DATABASE_URL=db)
    run = lambda *args, stdin=None: subprocess.run([BINARY, *args], env=env, input=stdin, capture_output=True, text=True, check=True)
    run("demo", "--orgs", "100000")
    run("user", "add", "province", "--role", "city_admin", "--password-stdin", stdin="kq7vt3wx9\n")
    token = run("user", "token", "province").stdout.strip()
    port = free_port()
    server = subprocess.Popen([BINARY, "serve", "--listen", f"127.0.0.1:{port}"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if http("GET", base + "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        total = json.loads(http("GET", f"{base}/api/v1/party-orgs?per_page=1",
                                headers={"Authorization": f"Bearer {token}"})[1])["total"]
        browser.delete_cookies()
        browser.go(base + "/login")
        browser.type("input[name=username]", "province")
        browser.type("input[name=password]", "kq7vt3wx9")
        browser.click("button[type=submit]")
        browser.go(base + "/party-orgs")
        rows = browser.find_all("#party-org-list tbody tr")
        size = browser.cmd("POST", "/execute/sync", {"script": "return new Blob([document.documentElement.outerHTML]).size;", "args": []})
        check("100,000 orgs: the party-org list shows one page of 20", len(rows) == 20, f"{len(rows)} rows")
        check("100,000 orgs: its total is the API's", total > 40000 and f"共 {total:,} 条" in browser.text(".pager"),
              f"API {total}, page: {browser.text('.pager')}")
        check("100,000 orgs: the page is under 200 kB", size < 200_000, f"{size} bytes")
        browser.screenshot("23-party-orgs-100k")
        browser.click(".pager a[rel=next]")
        first = browser.text("#party-org-list tbody tr td")
        check("100,000 orgs: the next page numbers on from 21", first.strip() == "21", first)
    finally:
        server.terminate()


def main():
    work = tempfile.mkdtemp()
    db = f"sqlite://{work}/browser.db"
    env = dict(os.environ, DANGJIAN_DATABASE_URL=db)
    run = lambda *args, stdin=None: subprocess.run([BINARY, *args], env=env, input=stdin, capture_output=True, text=True, check=True)
    run("demo")
    run("user", "add", "tester", "--role", "city_admin", "--password-stdin", stdin="kq7vt3wx9\n")
    run("user", "add", "chengqu", "--role", "county_admin", "--scope", "140302", "--password-stdin", stdin="kq7vt3wx9\n")
    # A second city admin verifies what the tester submits (the one who submits does not close).
    run("user", "add", "verifier", "--role", "city_admin", "--password-stdin", stdin="kq7vt3wx9\n")
    token = run("user", "token", "tester").stdout.strip()
    as_of = "2021-12-31"
    figures = json.loads(run("stats", "coverage", "--as-of", as_of, "--format", "json").stdout)
    port = free_port()
    server = subprocess.Popen([BINARY, "serve", "--listen", f"127.0.0.1:{port}"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if http("GET", base + "/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.1)
    browser = Browser()
    try:
        # Sign in.
        browser.go(base + "/")
        check("unsigned visitors land on the sign-in page", "/login" in browser.url(), browser.url())
        browser.screenshot("01-login")
        browser.type("input[name=username]", "tester")
        browser.type("input[name=password]", "kq7vt3wx9")
        browser.click("button[type=submit]")
        check("signing in opens the dashboard", browser.url().rstrip("/") == base, browser.url())
        # Every user can change the password from the top bar.
        browser.click(".topbar-link")
        check("the password link opens the password form", browser.url().endswith("/password"), browser.url())
        browser.go(base + "/")

        # The dashboard's rates equal the CLI's figures.
        browser.go(f"{base}/?as_of={as_of}")
        body = browser.text()
        total = figures["total"]
        check("dashboard shows the organizational coverage rate", total["covered_rate"] + "%" in body, total["covered_rate"])
        check("dashboard shows the work coverage rate", total["work_covered_rate"] + "%" in body, total["work_covered_rate"])
        browser.screenshot("02-dashboard")

        # Drill down: the uncovered figure of one county lists exactly its uncovered orgs.
        row = next(r for r in figures["rows"] if r["key"] == "140302")
        uncovered = row["in_scope"] - row["covered"]
        link = next(el for el in browser.find_all("table a")
                    if (browser.attr(el, "href") or "").endswith(f"as_of={as_of}&region=140302&covered=false"))
        browser.cmd("POST", f"/element/{link}/click", {})
        rows = browser.find_all("#org-list tbody tr") if uncovered else []
        check("the drill-down lists exactly the counted orgs", len(rows) == min(uncovered, 20) and f"共 {uncovered} 条" in browser.text(),
              f"expected {uncovered}, saw {len(rows)} rows")
        api = json.loads(http("GET", f"{base}/api/v1/orgs?as_of={as_of}&region=140302&covered=false&per_page=1000",
                              headers={"Authorization": f"Bearer {token}"})[1])
        names = [i["name"] for i in api["items"]]
        page_text = browser.text("#org-list") if uncovered else ""
        check("the listed orgs are the API's uncovered orgs", all(n in page_text for n in names[:20]))
        browser.screenshot("03-drilldown")

        # Import in the browser: a workbook with an error is refused with the error named; the fixed
        # one is saved and the new org appears.
        code = "51140302MJY0009990"
        code = fixed_code(code)
        bad = code[:-1] + ("0" if code[-1] != "0" else "1")
        header = "统一社会信用代码,名称,类型,登记管理机关区划,成立登记日期,登记状态,正式党员数\n"
        bad_path = os.path.join(work, "社会组织.csv")
        with open(bad_path, "w", encoding="utf-8") as f:
            f.write(header + f"{bad},浏览器测试协会,社会团体,140302,2024-01-01,正常,2\n")
        browser.go(base + "/import")
        browser.upload("input[type=file]", bad_path)
        browser.click("#upload-button")
        text = browser.text()
        check("an error in an uploaded workbook is named by sheet and cell",
              "校验位错误" in text and "A2" in browser.text("#problems") and "社会组织" in browser.text("#problems"), text[:300])
        check("a workbook with errors offers no confirmation", not browser.find_all("#confirm-import"))
        browser.screenshot("06-import-error")
        with open(bad_path, "w", encoding="utf-8") as f:
            f.write(header + f"{code},浏览器测试协会,社会团体,140302,2024-01-01,正常,2\n")
        browser.upload("input[type=file]", bad_path)
        browser.click("#upload-button")
        browser.click("#confirm-import")
        check("the fixed workbook is saved", "导入完成" in browser.text())
        browser.screenshot("07-import-done")
        browser.go(f"{base}/orgs?q=浏览器测试协会")
        check("the new org is listed", code in browser.text("#org-list"))
        for name, path in [("08-stats", "/stats?as_of=" + as_of), ("09-quality", "/quality"), ("10-users", "/admin/users"),
                           ("11-party-orgs", "/party-orgs"), ("12-org-detail", "/orgs/" + code)]:
            browser.go(base + path)
            check(f"{path} renders", "出错了" not in browser.text())
            browser.screenshot(name)

        # The statistics print on one A4 sheet, portrait and landscape, by region and by unit:
        # whole names, the total once at the end, the definitions on the same sheet.
        for by in ["region", "responsible-unit"]:
            browser.go(f"{base}/stats?as_of={as_of}&by={by}")
            for orientation in ["portrait", "landscape"]:
                pdf = base64.b64decode(browser.cmd("POST", "/print", {
                    "orientation": orientation, "page": {"width": 21.0, "height": 29.7},
                    "margin": {"top": 0, "bottom": 0, "left": 0, "right": 0}}))
                with open(os.path.join(OUT, f"stats-{by}-{orientation}.pdf"), "wb") as f:
                    f.write(pdf)
                pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
                check(f"the statistics by {by} print on one A4 sheet ({orientation})", pages == 1, f"{pages} pages")

        # The ledger: one item from open to closed with evidence, and the battle map changes.
        browser.go(base + "/battle-map")
        closed_before = int(re.search(r"已销号 (\d+) 项", browser.text()).group(1))
        browser.screenshot("13-battle-map-before")
        browser.go(base + "/ledger?state=open")
        browser.screenshot("14-ledger")
        link = browser.find_all("#ledger-list tbody tr td a")[0]
        browser.cmd("POST", f"/element/{link}/click", {})
        browser.click("#act-start")
        browser.type("#evidence", "已召开党员大会成立党支部，上级党委批复文号 阳社党〔2026〕12号")
        browser.click("#act-submit")
        check("submitted with evidence", "待销号" in browser.text(".detail-header"), browser.text(".detail-header"))
        item_url = browser.url()
        browser.click("#act-close", accept_dialog=True)
        check("the one who submitted may not close", "不能自己核销" in browser.text(), browser.text()[:300])
        # Another city admin closes it, with a reason if the data does not meet the condition.
        browser.delete_cookies()
        browser.go(base + "/login")
        browser.type("input[name=username]", "verifier")
        browser.type("input[name=password]", "kq7vt3wx9")
        browser.click("button[type=submit]")
        browser.go(item_url)
        browser.type("#comment", "材料齐全，予以销号")
        browser.click("#act-close", accept_dialog=True)
        check("the verifier closes the item", "已销号" in browser.text(".detail-header"), browser.text()[:300])
        check("the history records each step", browser.text().count("tester") >= 2 and "verifier" in browser.text())
        browser.delete_cookies()
        browser.go(base + "/login")
        browser.type("input[name=username]", "tester")
        browser.type("input[name=password]", "kq7vt3wx9")
        browser.click("button[type=submit]")
        browser.screenshot("15-ledger-item-closed")
        browser.go(base + "/battle-map")
        closed_after = int(re.search(r"已销号 (\d+) 项", browser.text()).group(1))
        check("the battle map counts the closed item", closed_after == closed_before + 1, f"{closed_before} -> {closed_after}")
        # It prints on one A3 landscape sheet (domain.md §5.4).
        pdf = base64.b64decode(browser.cmd("POST", "/print", {
            "orientation": "landscape", "page": {"width": 29.7, "height": 42.0},  # A3, turned
            "margin": {"top": 1.0, "bottom": 1.0, "left": 1.0, "right": 1.0}}))
        pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
        box = re.search(rb"/MediaBox\s*\[\s*[\d.]+\s+[\d.]+\s+([\d.]+)\s+([\d.]+)", pdf)
        wide = box is not None and float(box.group(1)) > float(box.group(2))
        check("the battle map prints on one A3 landscape sheet", pages == 1 and wide,
              f"{pages} pages, media box {box.group(0) if box else None}")
        browser.screenshot("16-battle-map-after")

        # The census: the demo campaign's progress, one return filled and confirmed.
        browser.go(base + "/census")
        check("the census page lists the demo campaign", "拉网式摸排" in browser.text("#campaigns"))
        browser.screenshot("17-census")
        browser.click("#campaigns tbody tr td a")
        confirmed_before = int(re.search(r"已确认 (\d+)，", browser.text(".kv")).group(1))
        check("the campaign shows progress per responsible unit", len(browser.find_all("#unit-progress tbody tr")) > 3)
        browser.screenshot("18-census-campaign")
        browser.go(browser.url().split("?")[0] + "?state=missing")
        browser.click("#returns tbody tr td a.btn")
        browser.cmd("POST", "/execute/sync", {"script": "document.getElementById('party_org_status').value = 'none';"
                                                        "document.getElementById('operating_state').value = 'running';", "args": []})
        browser.type("#staff_count", "12")
        browser.type("#formal_members", "2")
        browser.screenshot("19-census-return")
        browser.click("#save-confirm")
        check("the return is saved and confirmed", "已保存并确认" in browser.text(), browser.text()[:300])
        confirmed_after = int(re.search(r"已确认 (\d+)，", browser.text(".kv")).group(1))
        check("the campaign counts the confirmed return", confirmed_after == confirmed_before + 1,
              f"{confirmed_before} -> {confirmed_after}")
        browser.screenshot("20-census-after")

        # A county user cannot reach another county's org.
        other = json.loads(http("GET", f"{base}/api/v1/orgs?region=140303&per_page=1",
                                headers={"Authorization": f"Bearer {token}"})[1])["items"][0]
        browser.delete_cookies()
        browser.go(base + "/login")
        browser.type("input[name=username]", "chengqu")
        browser.type("input[name=password]", "kq7vt3wx9")
        browser.click("button[type=submit]")
        browser.go(f"{base}/orgs/{other['credit_code']}")
        check("another county's org answers 404", "未找到" in browser.text(), browser.text()[:200])
        browser.screenshot("04-county-404")
        browser.go(f"{base}/orgs")
        check("the county user's list holds only its county", "矿区" not in browser.text("#org-list"))
        browser.screenshot("05-county-orgs")

        # The county admin keeps its county's party orgs: one whose orgs are all in 城区 offers
        # its links as a table; ending one there saves it, shows it, and lists the change.
        browser.go(f"{base}/party-orgs?region=140302&per_page=50")
        candidates = [browser.attr(a, "href") for a in browser.find_all("#party-org-list tbody tr td a")]
        editable = None
        for href in candidates[:50]:
            browser.go(base + href)
            if browser.find_all("a[href$='/links']"):
                editable = href
                break
        check("a county admin may edit one of its county's party orgs", editable is not None, str(candidates[:5]))
        if editable:
            browser.click("a[href$='/links']")
            check("the links open as a table", browser.find_all("input[name=code_0]") and "修改覆盖记录" in browser.text("h1"),
                  browser.text()[:200])
            code0 = browser.attr(browser.find("input[name=code_0]"), "value")
            browser.cmd("POST", "/execute/sync", {"script": "document.querySelector('input[name=to_0]').value = '2026-06-30';", "args": []})
            browser.screenshot("21-party-org-links")
            browser.click("#periods-form button[type=submit]")
            text = browser.text()
            check("the edited links are saved and shown", "已保存" in text and "2026-06-30" in text and browser.url().split("?")[0].endswith(editable),
                  text[:300])
            check("the change is listed on the party org's page", "chengqu" in browser.text() and code0 in browser.text(), text[-400:])
            browser.screenshot("22-party-org-after")
        province_scale(browser, work)
    finally:
        browser.quit()
        server.terminate()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{PASSED} passed, {FAILED} failed")
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
