"""Screenshots of the demo for the README and the Apps page, taken with headless Chromium
over the DevTools protocol (websocket-client, which Odoo itself uses for its tours).

Run by scripts/screenshots.sh, which builds the demo database and serves it; by hand:

    python scripts/screenshots.py --url http://127.0.0.1:8069 --db prepmt_demo \\
        --sale-order 21 --purchase-order 11 --out docs \
        --apps prepayment_addon/static/description

Logs in as admin/admin, then shoots (--out gets the first names, --apps the Apps page's):
  order_form.png / screenshot_order.png              the sales order, its Prepayment tab opened
  purchase_order.png / screenshot_purchase_order.png the purchase order, its Prepayment tab opened
  open_prepayments.png / screenshot_open_prepayments.png
                                  Sales > Reporting > Open Prepayments (customer prepayments)
"""

import argparse
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket

WIDTH, HEIGHT = 1400, 1000


class Browser:
    """One headless Chromium page driven over the DevTools protocol."""

    def __init__(self, chrome, width=WIDTH, height=HEIGHT):
        self.profile = tempfile.mkdtemp(prefix="prepmt-chrome-")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.proc = subprocess.Popen(
            [
                chrome,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--no-first-run",
                "--no-default-browser-check",
                "--lang=en-US",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={self.profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.next_id = 0
        ws_url = self._page_websocket(port)
        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def _page_websocket(self, port):
        deadline = time.time() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as r:
                    pages = [t for t in json.load(r) if t.get("type") == "page"]
                if pages:
                    return pages[0]["webSocketDebuggerUrl"]
            except OSError:
                pass
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError("Chromium did not start (no DevTools page)")
            time.sleep(0.2)

    def close(self):
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            shutil.rmtree(self.profile, ignore_errors=True)

    def send(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, condition, what, timeout=60):
        """Wait until the JavaScript ``condition`` is true (then let the page settle)."""
        deadline = time.time() + timeout
        while not self.evaluate(f"!!({condition})"):
            if time.time() > deadline:
                page = self.evaluate(
                    "location.href + ' | ' + (document.body ? document.body.innerText : '')"
                )
                raise RuntimeError(f"timeout waiting for {what} ({condition}); page: {page[:500]}")
            time.sleep(0.25)
        time.sleep(0.5)

    def goto(self, url):
        self.send("Page.navigate", url=url)
        time.sleep(0.5)
        self.wait_for("document.readyState === 'complete'", f"page {url}")

    def click(self, selector, what):
        self.wait_for(f"document.querySelector({json.dumps(selector)})", what)
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")

    def wait_idle(self):
        """No spinner, no pending animation, the caret out of the fields."""
        self.wait_for(
            "!document.querySelector('.o_loading_indicator, .o_blockUI')", "the page to load"
        )
        self.evaluate("document.activeElement && document.activeElement.blur()")
        time.sleep(0.8)

    def screenshot(self, paths):
        data = base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])
        for path in paths:
            with open(path, "wb") as file:
                file.write(data)
            print(f"wrote {path}", file=sys.stderr)


def login(browser, url, db, login_name, password):
    browser.goto(f"{url}/web/login?db={db}")
    browser.wait_for("document.querySelector('input[name=login]')", "the login form")
    browser.evaluate(
        "(() => {"
        f"document.querySelector('input[name=login]').value = {json.dumps(login_name)};"
        f"document.querySelector('input[name=password]').value = {json.dumps(password)};"
        "document.querySelector('input[name=login]').form.submit();"
        "})()"
    )
    browser.wait_for("document.querySelector('.o_web_client .o_main_navbar')", "the web client")


def order_with_prepayment_tab(browser, url, action, order_id):
    """The order's form with its Prepayment tab (the notebook page named "prepayment")."""
    browser.goto(f"{url}/odoo/action-{action}/{order_id}")
    browser.wait_for("document.querySelector('.o_form_view .o_notebook')", "the order form")
    browser.click(".o_form_view .o_notebook .nav-link[name=prepayment]", "the Prepayment tab")
    browser.wait_for(
        "document.querySelector('.o_notebook .nav-link.active[name=prepayment]')",
        "the Prepayment tab opened",
    )
    browser.wait_idle()


def open_prepayments(browser, url):
    """Open Customer Prepayments, its currency groups unfolded."""
    browser.goto(f"{url}/odoo/action-prepayment_addon.action_prepayment_analysis_sale")
    browser.wait_for("document.querySelector('.o_list_view')", "the Open Prepayments list")
    browser.evaluate(
        "document.querySelectorAll('.o_list_view .o_group_header').forEach(g => g.click())"
    )
    browser.wait_for("document.querySelector('.o_list_view .o_data_row')", "its rows")
    browser.wait_idle()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the Odoo server, http://host:port")
    parser.add_argument("--db", required=True)
    parser.add_argument("--sale-order", type=int, required=True, help="id of the sales order")
    parser.add_argument("--purchase-order", type=int, required=True, help="id of the PO")
    parser.add_argument("--out", help="folder of the README's images (docs)")
    parser.add_argument("--apps", help="folder of the Apps page's images (static/description)")
    parser.add_argument("--chrome", default=os.environ.get("PREPMT_CHROME") or "chromium")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    args = parser.parse_args()
    chrome = shutil.which(args.chrome) or args.chrome

    if not (args.out or args.apps):
        parser.error("give --out or --apps (or both)")

    def paths(name, apps_name=None):
        """Where a shot goes: ``name`` in --out, ``screenshot_<apps_name or name>`` in --apps."""
        return [
            os.path.join(folder, file)
            for folder, file in (
                (args.out, name),
                (args.apps, f"screenshot_{apps_name or name}"),
            )
            if folder
        ]

    browser = Browser(chrome)
    try:
        login(browser, args.url, args.db, args.login, args.password)
        order_with_prepayment_tab(browser, args.url, "sale.action_orders", args.sale_order)
        browser.screenshot(paths("order_form.png", "order.png"))
        order_with_prepayment_tab(
            browser, args.url, "purchase.purchase_form_action", args.purchase_order
        )
        browser.screenshot(paths("purchase_order.png"))
        open_prepayments(browser, args.url)
        browser.screenshot(paths("open_prepayments.png"))
    finally:
        browser.close()


if __name__ == "__main__":
    main()
