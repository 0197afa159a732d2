/* DonThu: small progressive enhancements. Every page works without this file.
   - live duplicate suggestions on the intake form (inputs marked data-dup)
   - the print button (data-print)
   - a confirmation before destructive actions (data-confirm on a form or button) */
(function () {
  "use strict";

  var EN = document.documentElement.lang === "en";
  var T = EN ? {
    title: "Possible duplicates: check before saving",
    score: "match",
    received: "received",
    reasons: { "cùng người gửi": "same petitioner", "nội dung tương tự": "similar content" },
    failed: "Could not check for duplicates right now."
  } : {
    title: "Có thể trùng với đơn đã nhận: kiểm tra trước khi lưu",
    score: "khớp",
    received: "nhận ngày",
    reasons: {},
    failed: "Chưa kiểm tra được đơn trùng."
  };

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function ddmmyyyy(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
    return m ? m[3] + "/" + m[2] + "/" + m[1] : (iso || "");
  }

  /* ---- duplicates ------------------------------------------------------------------- */
  function setupDuplicates() {
    var box = document.getElementById("duplicates");
    var inputs = document.querySelectorAll("[data-dup]");
    if (!box || !inputs.length || !window.fetch) { return; }
    var form = inputs[0].form;
    var url = box.getAttribute("data-url") || "/reception/duplicates";
    var timer = null;
    var last = "";
    var seq = 0;

    function value(name) {
      var field = form && form.elements[name];
      return field ? String(field.value || "").trim() : "";
    }

    function render(items) {
      box.textContent = "";
      if (!items.length) { return; }
      var wrap = el("div", "dup-box");
      wrap.appendChild(el("h2", null, T.title));
      var list = el("ul");
      items.forEach(function (c) {
        var li = el("li");
        var a = el("a", "code", c.tracking_code);
        a.href = "/cases/" + encodeURIComponent(c.tracking_code);
        a.target = "_blank";
        a.rel = "noopener";
        li.appendChild(a);
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", "score", Math.round(Number(c.score) || 0) + "% " + T.score));
        li.appendChild(document.createTextNode(" " + (c.subject || "") + " · " + T.received + " " + ddmmyyyy(c.received_on)));
        if (c.reasons && c.reasons.length) {
          var why = c.reasons.map(function (r) { return T.reasons[r] || r; }).join(", ");
          li.appendChild(el("small", null, " (" + why + ")"));
        }
        list.appendChild(li);
      });
      wrap.appendChild(list);
      box.appendChild(wrap);
    }

    function check() {
      var params = new URLSearchParams({
        subject: value("subject"), content: value("content"),
        id_number: value("id_number"), phone: value("phone")
      });
      var q = params.toString();
      if (q === last) { return; }
      last = q;
      if (!value("subject") && !value("content") && !value("id_number") && !value("phone")) { render([]); return; }
      var mine = ++seq;
      fetch(url + "?" + q, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
        .then(function (items) { if (mine === seq) { render(Array.isArray(items) ? items : []); } })
        .catch(function () { if (mine === seq) { box.textContent = ""; box.appendChild(el("p", "hint", T.failed)); } });
    }

    Array.prototype.forEach.call(inputs, function (input) {
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(check, 400);
      });
      input.addEventListener("change", check);
    });
    if (value("subject") || value("id_number") || value("phone")) { check(); }
  }

  /* ---- print and confirm --------------------------------------------------------------- */
  function setupPrint() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (btn) {
      btn.addEventListener("click", function (ev) { ev.preventDefault(); window.print(); });
    });
  }

  function setupConfirm() {
    document.addEventListener("submit", function (ev) {
      var form = ev.target;
      var submitter = ev.submitter;
      var message = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
      if (message && !window.confirm(message)) { ev.preventDefault(); }
    }, true);
  }

  function start() {
    setupDuplicates();
    setupPrint();
    setupConfirm();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
