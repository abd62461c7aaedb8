/*! payhost checkout widget, version 1. No dependencies, no third-party code.
 *
 * <div id="payhost-checkout"></div>
 * <script src="https://payhost.example/widget.js"
 *         data-checkout="co_…" data-client-secret="co_…_secret_…"
 *         data-target="#payhost-checkout"></script>
 *
 * It shows the checkout's payment methods in the shop's page (texts in the
 * buyer's language, from payhost) and sends the buyer to the chosen
 * method's payment page. Without JavaScript, link to the checkout's url.
 */
(function () {
  "use strict";
  var VERSION = "1";
  var script = document.currentScript;
  if (!script) { return; }
  var base = new URL(script.src, window.location.href).origin;
  var id = script.getAttribute("data-checkout") || "";
  var secret = script.getAttribute("data-client-secret") || "";
  var target = document.querySelector(script.getAttribute("data-target") || "#payhost-checkout");
  if (!target) {
    target = document.createElement("div");
    script.parentNode.insertBefore(target, script);
  }
  // The widget's own failure texts: payhost sends them in the buyer's
  // language with the checkout; until then (or when payhost cannot be
  // reached at all) this copy, by the browser's language.
  var fallback = {
    en: { unreachable: "The payment service cannot be reached. Check your connection and try again, or use the payment page:",
      error: "The payment methods could not be loaded (error {status}). Please try again in a moment." },
    fr: { unreachable: "Le service de paiement est injoignable. Vérifiez votre connexion et réessayez, ou passez par la page de paiement :",
      error: "Les moyens de paiement n'ont pas pu être chargés (erreur {status}). Réessayez dans un instant." }
  };
  var texts = fallback[String(navigator.language || "en").slice(0, 2).toLowerCase()] || fallback.en;
  function say(key, status) { return (texts[key] || fallback.en[key]).replace("{status}", String(status)); }
  var api = base + "/v1/public/checkouts/" + encodeURIComponent(id);
  var hosted = base + "/checkout/" + encodeURIComponent(id);

  var css = ".phw{font:inherit;color:#1d2330;border:1px solid #dde1e8;border-radius:.6rem;padding:1rem 1.2rem;background:#fff;max-width:36rem}" +
    ".phw h3{font-size:1.05rem;margin:.2rem 0 .8rem}.phw table{width:100%;border-collapse:collapse;margin-bottom:.8rem}" +
    ".phw td,.phw th{padding:.25rem .2rem;border-bottom:1px solid #eef0f3;text-align:left}.phw .n{text-align:right;white-space:nowrap}" +
    ".phw tfoot th,.phw tfoot td{font-weight:700;border:0}.phw ul{list-style:none;margin:0;padding:0;display:grid;gap:.5rem}" +
    ".phw button.m{display:grid;grid-template-columns:56px 1fr;column-gap:.8rem;width:100%;text-align:left;padding:.6rem .8rem;" +
    "border:1px solid #dde1e8;border-radius:.5rem;background:#fff;font:inherit;color:inherit;cursor:pointer}" +
    ".phw button.m img{grid-row:1/3;align-self:center}.phw .l{font-weight:600}.phw .d{color:#5b6475;font-size:.9rem}" +
    ".phw button.m:hover{border-color:#1f5fbf}.phw button:focus-visible,.phw a:focus-visible{outline:3px solid #1f5fbf;outline-offset:2px}" +
    ".phw button[disabled]{opacity:.6;cursor:progress}.phw .s{color:#17794a;font-size:.85rem;margin-bottom:.6rem}" +
    ".phw button.a{padding:.5rem 1rem;border:1px solid #1f5fbf;border-radius:.4rem;background:#1f5fbf;color:#fff;font:inherit;cursor:pointer}" +
    ".phw .e{color:#a11;margin-top:.6rem}.phw .f{color:#5b6475;font-size:.8rem;margin-top:.8rem}";

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { e.textContent = attrs[k]; } else { e.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { e.appendChild(c); } });
    return e;
  }

  function call(method, url, body) {
    return fetch(url, {
      method: method,
      mode: "cors",
      credentials: "omit",
      headers: body ? { "Authorization": "Bearer " + secret, "Content-Type": "application/json" } : { "Authorization": "Bearer " + secret },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (r) {
      return r.json().then(function (j) { return { status: r.status, body: j }; });
    });
  }

  function failure(text) {
    target.replaceChildren(el("div", { "class": "phw", role: "region" }, [
      el("p", { "class": "e", role: "alert", text: text }),
      el("p", {}, [el("a", { href: hosted, text: "→ " + hosted })])
    ]));
  }

  function render(c) {
    if (c.text.unreachable && c.text.error) { texts = { unreachable: c.text.unreachable, error: c.text.error }; }
    var live = el("div", { "class": "e", role: "alert", "aria-live": "assertive" });
    var root = el("div", { "class": "phw", lang: c.lang, role: "region", "aria-label": c.text.choose, "data-payhost-widget": VERSION });
    var lock = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    lock.setAttribute("viewBox", "0 0 16 16");
    lock.setAttribute("width", "12");
    lock.setAttribute("height", "12");
    lock.setAttribute("aria-hidden", "true");
    var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M4 7V5a4 4 0 1 1 8 0v2h1v8H3V7h1zm2 0h4V5a2 2 0 1 0-4 0v2z");
    lock.appendChild(path);
    root.appendChild(el("div", { "class": "s" }, [lock, document.createTextNode(" " + c.text.secured)]));
    var rows = c.lines.map(function (l) {
      return el("tr", {}, [el("td", { text: l.label }), el("td", { "class": "n", text: String(l.quantity) }), el("td", { "class": "n", text: l.amount })]);
    });
    if (c.shipping) {
      rows.push(el("tr", {}, [el("td", { text: c.text.shipping }), el("td"), el("td", { "class": "n", text: c.shipping })]));
    }
    root.appendChild(el("table", {}, [
      el("caption", { text: c.text.order, style: "text-align:left;font-weight:600" }),
      el("tbody", {}, rows),
      el("tfoot", {}, [el("tr", {}, [el("th", { scope: "row", colspan: "2", text: c.text.total }), el("td", { "class": "n", "data-testid": "total", text: c.total })])])
    ]));
    if (c.message) {
      root.appendChild(el("h3", { text: c.message.title }));
      root.appendChild(el("p", { text: c.message.text }));
      if (c.message.link_url) { root.appendChild(el("p", {}, [el("a", { href: c.message.link_url, text: c.message.link_label })])); }
      if (c.message.session_id && c.message.abandon_label) {
        var ab = el("button", { type: "button", "class": "a", "data-action": "abandon", text: c.message.abandon_label });
        ab.addEventListener("click", function () { abandon(c.message.session_id, ab, live, root); });
        root.appendChild(el("p", {}, [ab]));
      }
    } else {
      root.appendChild(el("h3", { id: "phw-h", text: c.text.choose }));
      if (!c.modes.length) { root.appendChild(el("p", { text: c.text["choose.none"] })); }
      var buttons = [];
      var list = el("ul", { "aria-labelledby": "phw-h" }, c.modes.map(function (m) {
        // The description is in the button's name already: no
        // aria-describedby, or screen readers read it twice.
        var b = el("button", { type: "button", "class": "m", "data-mode": m.id }, [
          el("img", { src: m.logo_url, alt: "", width: "48", height: "32" }),
          el("span", { "class": "l", text: m.label }),
          el("span", { "class": "d", text: m.description })
        ]);
        b.addEventListener("click", function () { pick(m.id, buttons, live, root); });
        buttons.push(b);
        return el("li", {}, [b]);
      }));
      root.appendChild(list);
    }
    root.appendChild(live);
    root.appendChild(el("p", { "class": "f", text: c.text["secured.by"] }));
    target.replaceChildren(root);
  }

  function pick(mode, buttons, live, root) {
    buttons.forEach(function (b) { b.disabled = true; });
    root.setAttribute("aria-busy", "true");
    live.textContent = "";
    call("POST", api + "/sessions", { mode: mode }).then(function (r) {
      if (r.status === 201 && r.body.redirect_url) {
        window.location.assign(r.body.redirect_url);
        return;
      }
      root.removeAttribute("aria-busy");
      buttons.forEach(function (b) { b.disabled = false; });
      live.textContent = (r.body.error && r.body.error.message) || say("error", r.status);
      if (r.status === 409 || r.status === 410) { setTimeout(load, 1500); }
    }, function () {
      root.removeAttribute("aria-busy");
      buttons.forEach(function (b) { b.disabled = false; });
      live.textContent = say("unreachable") + " " + hosted;
    });
  }

  // The buyer left the attempt under way (Back from the provider's page):
  // payhost asks the provider, then cancels it unless it went through.
  function abandon(sessionId, button, live, root) {
    button.disabled = true;
    root.setAttribute("aria-busy", "true");
    live.textContent = "";
    call("POST", api + "/abandon", { session_id: sessionId }).then(function (r) {
      if (r.status === 200 && r.body.redirect_url) {
        window.location.assign(r.body.redirect_url);
        return;
      }
      if (r.status === 200 || r.status === 409) { load(); return; }
      root.removeAttribute("aria-busy");
      button.disabled = false;
      live.textContent = (r.body.error && r.body.error.message) || say("error", r.status);
    }, function () {
      root.removeAttribute("aria-busy");
      button.disabled = false;
      live.textContent = say("unreachable") + " " + hosted;
    });
  }

  function load() {
    call("GET", api).then(function (r) {
      if (r.status !== 200) { failure((r.body.error && r.body.error.message) || say("error", r.status)); return; }
      render(r.body);
    }, function () { failure(say("unreachable")); });
  }

  if (!document.getElementById("payhost-widget-css")) {
    document.head.appendChild(el("style", { id: "payhost-widget-css", text: css }));
  }
  load();
  // Back from a provider's page, the browser may show this page from its
  // back/forward cache as it was left: buttons disabled, an attempt picked.
  // Its state is read again.
  window.addEventListener("pageshow", function (e) { if (e.persisted) { load(); } });
}());
