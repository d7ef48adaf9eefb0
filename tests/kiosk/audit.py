"""Measurements of a page in Chromium shared by the kiosk's and the public pages' browser tests: what it
weighs, where its requests go, how large its targets and texts are, and the contrast of every text."""
from dataclasses import dataclass
from dataclasses import field
from urllib.parse import urlsplit

# Runs in the page: every visible element that holds text of its own, with its font size and the WCAG
# contrast ratio of its colour against the first opaque background behind it; and every control's box.
_MEASURE = """
() => {
  const channel = v => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const rgba = s => { const m = s.match(/[\\d.]+/g).map(Number); return m.length === 3 ? [...m, 1] : m; };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = el => {
    for (let node = el; node; node = node.parentElement) {
      const c = rgba(getComputedStyle(node).backgroundColor);
      if (c[3] > 0.5) return c;
    }
    return [255, 255, 255, 1];
  };
  const visible = el => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none" && +s.opacity > 0;
  };
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  const texts = [];
  for (const el of document.body.querySelectorAll("*")) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !visible(el) || el.closest("[aria-hidden=true], .visually-hidden, .skip")) continue;
    const s = getComputedStyle(el);
    const fg = rgba(s.color), bg = background(el);
    const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    texts.push({el: name(el), text: el.textContent.trim().slice(0, 40), size: parseFloat(s.fontSize),
                contrast: Math.round((l1 + 0.05) / (l2 + 0.05) * 100) / 100});
  }
  const targets = [];
  const controls = "a[href], button, input, select, textarea, [role=button], label:has(input)";
  for (const el of document.body.querySelectorAll(controls)) {
    if (!visible(el) || el.closest(".skip") || (el.tagName === "INPUT" && el.type === "hidden")) continue;
    const r = el.getBoundingClientRect();
    targets.push({el: name(el), text: (el.textContent || el.value || "").trim().slice(0, 40),
                  width: r.width, height: r.height});
  }
  return {texts, targets};
}
"""


@dataclass
class Traffic:
    """Every response a page received, recorded from the moment `watch` is called."""

    origin: str
    responses: list = field(default_factory=list)
    requests: list = field(default_factory=list)

    def weight(self) -> int:
        """Bytes of every response body received (what the page costs before the browser cache)."""
        return sum(len(body) for _url, body in self.responses)

    def foreign(self) -> list[str]:
        """Requests that went anywhere but the page's own origin."""
        return [url for url in self.requests if not url.startswith(("data:", "blob:", "about:"))
                and _origin(url) != self.origin]

    def clear(self) -> None:
        self.responses.clear()
        self.requests.clear()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def watch(page, origin: str) -> Traffic:
    """Record every request `page` makes and every response body it gets."""
    traffic = Traffic(_origin(origin))
    page.on("request", lambda request: traffic.requests.append(request.url))

    def received(response):
        try:
            traffic.responses.append((response.url, response.body()))
        except Exception:  # a redirect or an aborted request has no body to count
            traffic.responses.append((response.url, b""))

    page.on("response", received)
    return traffic


def measure(page) -> dict:
    """Font size and contrast of every visible text, and the box of every visible control, on `page` now."""
    return page.evaluate(_MEASURE)


def small_texts(measured: dict, minimum: float) -> list[dict]:
    return [t for t in measured["texts"] if t["size"] < minimum]


def low_contrast(measured: dict, minimum: float = 4.5) -> list[dict]:
    return [t for t in measured["texts"] if t["contrast"] < minimum]


def small_targets(measured: dict, minimum: float) -> list[dict]:
    return [t for t in measured["targets"] if t["width"] < minimum or t["height"] < minimum]
