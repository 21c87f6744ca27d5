// Jishi pages: small progressive enhancements. Everything works without this file.
(function () {
  "use strict";

  // Product gallery: clicking a thumbnail shows it in the main frame.
  function initGallery(root) {
    var main = root.querySelector(".main");
    root.querySelectorAll(".thumbs button").forEach(function (button) {
      button.addEventListener("click", function () {
        main.src = button.dataset.full;
        main.alt = button.dataset.alt;
        root.querySelectorAll(".thumbs button").forEach(function (b) { b.setAttribute("aria-current", "false"); });
        button.setAttribute("aria-current", "true");
      });
    });
  }

  // SKU picker: each combination of option values has its own price and stock.
  function initPicker(root) {
    var data = JSON.parse(document.getElementById(root.dataset.skus).textContent);
    var priceEl = root.querySelector("[data-price]");
    var compareEl = root.querySelector("[data-compare]");
    var stockEl = root.querySelector("[data-stock]");
    var chosenEl = root.querySelector("[data-chosen]");

    function selected() {
      var choice = {};
      root.querySelectorAll("input[type=radio]:checked").forEach(function (input) { choice[input.name] = input.value; });
      return choice;
    }
    function matches(sku, choice) {
      return Object.keys(choice).every(function (name) { return sku.options[name] === choice[name]; });
    }
    function update() {
      var choice = selected();
      // Mark values that cannot be bought together with the other current choices.
      root.querySelectorAll("input[type=radio]").forEach(function (input) {
        var probe = Object.assign({}, choice);
        probe[input.name] = input.value;
        var possible = data.skus.some(function (sku) { return matches(sku, probe) && sku.available > 0; });
        input.closest("label").classList.toggle("unavailable", !possible);
      });
      var complete = Object.keys(choice).length === data.options.length;
      var sku = complete ? data.skus.find(function (s) { return matches(s, choice); }) : null;
      if (sku) {
        priceEl.textContent = sku.price;
        compareEl.textContent = sku.compare || "";
        stockEl.textContent = sku.available > 0 ? data.labels.stock.replace("%s", sku.available) : data.labels.soldout;
        chosenEl.textContent = sku.label;
        root.dataset.sku = sku.id;
      } else {
        priceEl.textContent = data.range;
        compareEl.textContent = "";
        stockEl.textContent = data.labels.choose;
        chosenEl.textContent = "";
        delete root.dataset.sku;
      }
    }
    root.addEventListener("change", update);
    update();
  }

  // Province → city → district: choosing one fills the next list from the national list (GB/T 2260).
  function initRegionPicker(root) {
    var base = root.dataset.url.replace(/\/$/, "");
    var selects = {};
    root.querySelectorAll("select[data-level]").forEach(function (s) { selects[s.dataset.level] = s; });
    function fill(select, regions) {
      var first = select.options[0];
      select.replaceChildren(first);
      regions.forEach(function (r) { select.add(new Option(r.name, r.code)); });
      select.disabled = regions.length === 0;
      select.value = "";
    }
    function load(select, path) {
      fill(select, []);
      if (!path) { return; }
      fetch(base + path, { headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (regions) { fill(select, regions); });
    }
    selects.province.addEventListener("change", function () {
      fill(selects.district, []);
      load(selects.city, selects.province.value && "/" + selects.province.value + "/cities");
    });
    selects.city.addEventListener("change", function () {
      load(selects.district, selects.city.value && "/" + selects.city.value + "/districts");
    });
  }

  // Cart: ticking lines (or a whole shop, or everything) changes what the sticky bar adds up and checks out.
  var unticked = {};  // SKUs the shopper unticked, kept when a quantity change redraws the cart
  function initCart(root) {
    var lines = function (scope) { return Array.prototype.slice.call(scope.querySelectorAll("input[name=item]:not(:disabled)")); };
    var format = new Intl.NumberFormat(document.documentElement.lang || "zh-CN", { style: "currency", currency: "CNY" });
    function update() {
      var total = 0, count = 0;
      lines(root).forEach(function (box) {
        if (box.checked) { total += Number(box.dataset.lineTotal); count += Number(box.dataset.lineCount); }
      });
      var sum = root.querySelector("[data-cart-total]");
      if (sum) { sum.textContent = format.format(total / 100); }
      var ticked = root.querySelector("[data-cart-ticked]");
      if (ticked) { ticked.textContent = " (" + count + ")"; }
      root.querySelectorAll("[data-cart-group]").forEach(function (group) {
        var boxes = lines(group), shop = group.querySelector("[data-group-tick] input");
        if (shop) { shop.checked = boxes.length > 0 && boxes.every(function (b) { return b.checked; }); }
      });
      var all = root.querySelector("[data-all-tick] input");
      if (all) { all.checked = lines(root).every(function (b) { return b.checked; }); }
    }
    root.querySelectorAll("[data-all-tick]").forEach(function (label) { label.hidden = false; });
    root.querySelectorAll("[data-cart-group]").forEach(function (group) {  // a shop with nothing to buy has no tick
      group.querySelector("[data-group-tick]").hidden = lines(group).length === 0;
    });
    lines(root).forEach(function (box) { if (unticked[box.value]) { box.checked = false; } });
    root.addEventListener("change", function (event) {
      var target = event.target;
      if (target.closest("[data-group-tick]")) {
        lines(target.closest("[data-cart-group]")).forEach(function (b) { b.checked = target.checked; });
      } else if (target.closest("[data-all-tick]")) {
        lines(root).forEach(function (b) { b.checked = target.checked; });
      }
      lines(root).forEach(function (box) { unticked[box.value] = !box.checked; });
      update();
    });
    update();
  }

  // The payment deadline, counting down (the time it ends is printed beside it for pages without JavaScript).
  function initCountdown(element) {
    var ends = Date.parse(element.dataset.countdown);
    if (isNaN(ends)) { return; }
    element.hidden = false;
    function tick() {
      var left = Math.max(0, Math.floor((ends - Date.now()) / 1000));
      var h = Math.floor(left / 3600), m = Math.floor(left % 3600 / 60), sec = left % 60;
      var two = function (n) { return (n < 10 ? "0" : "") + n; };
      element.textContent = element.dataset.label + " " + (h ? h + ":" : "") + two(m) + ":" + two(sec);
      if (left > 0) { setTimeout(tick, 1000); } else { element.classList.add("over"); }
    }
    tick();
  }

  function once(scope, selector, setup) {
    var found = Array.prototype.slice.call(scope.querySelectorAll(selector));
    if (scope.matches && scope.matches(selector)) { found.unshift(scope); }  // htmx swapped in the element itself
    found.forEach(function (element) {
      if (element.dataset.ready) { return; }
      element.dataset.ready = "1";
      setup(element);
    });
  }

  function init(scope) {
    once(scope, "[data-gallery]", initGallery);
    once(scope, "[data-picker]", initPicker);
    once(scope, "[data-region-picker]", initRegionPicker);
    once(scope, "[data-cart]", initCart);
    once(scope, "[data-countdown]", initCountdown);
    // Search filters: a 筛选 drawer on a phone (open by default, so that they show without JavaScript).
    once(scope, "[data-drawer]", function (drawer) {
      var narrow = window.matchMedia("(max-width: 899px)");
      if (narrow.matches) { drawer.open = false; }
      drawer.addEventListener("submit", function () { if (narrow.matches) { drawer.open = false; } });
    });
    // A form that places an order is sent once, however often its button is pressed.
    once(scope, "[data-submit-once]", function (button) {
      button.form.addEventListener("submit", function () {
        setTimeout(function () { button.disabled = true; }, 0);
      });
    });
    // An action that cannot be undone (confirm receipt, agree a refund, withdraw money, a ruling) asks once.
    once(scope, "[data-confirm]", function (button) {
      button.addEventListener("click", function (event) {
        if (!window.confirm(button.dataset.confirm)) { event.preventDefault(); event.stopImmediatePropagation(); }
      });
    });
    once(scope, "[data-locate-button]", initLocate);
    // Sort and category selects, address choices and switches submit their form as soon as they change.
    once(scope, "form[data-autosubmit]", function (form) {
      form.addEventListener("change", function (event) {
        if (event.target.matches("select, input[type=radio], input[type=checkbox]")) { form.requestSubmit(); }
      });
    });
  }

  // "Use my location" (a button[data-locate-button] in a form, shown only where the browser can locate): fills
  // the form's coordinate fields (data-fields="lat lng" by default) from the phone and, with data-submit, sends the
  // form. data-locating, data-located and data-failed are said in the form's [data-locate-status]; when the
  // location is refused, a <details> of the form opens so the coordinates can be typed. Pages work without it.
  function initLocate(button) {
    var form = button.form;
    if (!form || !("geolocation" in navigator)) { return; }
    var names = (button.dataset.fields || "lat lng").split(" ");
    var status = form.querySelector("[data-locate-status]");
    var say = function (text) { if (status && text) { status.textContent = text; } };
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      say(button.dataset.locating);
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.elements[names[0]].value = position.coords.latitude.toFixed(6);
          form.elements[names[1]].value = position.coords.longitude.toFixed(6);
          button.disabled = false;
          say(button.dataset.located);
          if ("submit" in button.dataset) { form.submit(); }
        },
        function () {
          button.disabled = false;
          say(button.dataset.failed);
          var coordinates = form.querySelector("details");
          if (coordinates) { coordinates.open = true; }
        },
        { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  // Added to the cart without leaving the page: every cart badge shows the new count.
  document.addEventListener("cartChanged", function (event) {
    document.querySelectorAll("[data-cart-count]").forEach(function (badge) {
      badge.textContent = event.detail.count;
      badge.hidden = !event.detail.count;
    });
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id === "toast") {
      var toast = event.detail.target;
      toast.classList.add("shown");
      clearTimeout(toast.hideTimer);
      toast.hideTimer = setTimeout(function () { toast.classList.remove("shown"); }, 2500);
    }
  });

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
})();

// Reviews (评价): the characters left under the text, the word beside the chosen stars, and the photos picked
// (previews, at most data-max: the extra ones are left out, with a line saying so; the server refuses them too).
(function () {
  "use strict";

  function each(scope, selector, setup) {
    var found = Array.prototype.slice.call(scope.querySelectorAll(selector));
    if (scope.matches && scope.matches(selector)) { found.unshift(scope); }
    found.forEach(function (element) {
      if (element.dataset.reviewReady) { return; }
      element.dataset.reviewReady = "1";
      setup(element);
    });
  }

  function counter(textarea) {
    var shown = document.getElementById(textarea.dataset.reviewCounter);
    function update() { shown.textContent = textarea.value.length + "/" + textarea.maxLength; }
    textarea.addEventListener("input", update);
    update();
  }

  function rate(fieldset) {
    var word = fieldset.querySelector("[data-review-rate-word]");
    function update() {
      var chosen = fieldset.querySelector("input:checked");
      word.textContent = chosen ? chosen.dataset.word : "";
    }
    fieldset.addEventListener("change", update);
    update();
  }

  function photos(input) {
    var most = parseInt(input.dataset.max, 10);
    var preview = document.querySelector("[data-review-preview='" + input.id + "']");
    var count = document.querySelector("[data-review-photo-count='" + input.id + "']");
    var error = document.querySelector("[data-review-photos-error='" + input.id + "']");
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files);
      var tooMany = files.length > most;
      if (tooMany && window.DataTransfer) {
        var kept = new DataTransfer();
        files.slice(0, most).forEach(function (file) { kept.items.add(file); });
        input.files = kept.files;
        files = files.slice(0, most);
      }
      error.hidden = !tooMany;
      error.textContent = tooMany ? input.dataset.tooMany : "";
      preview.textContent = "";
      files.forEach(function (file, index) {
        // drawn on a canvas: the page's CSP (img-src 'self') refuses blob: and data: images
        var item = document.createElement("li");
        var canvas = document.createElement("canvas");
        canvas.width = 144;
        canvas.height = 144;
        canvas.textContent = String(index + 1);
        item.appendChild(canvas);
        preview.appendChild(item);
        if (!window.createImageBitmap) { return; }
        createImageBitmap(file).then(function (bitmap) {
          var side = Math.min(bitmap.width, bitmap.height);
          canvas.getContext("2d").drawImage(
            bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, 144, 144
          );
        }).catch(function () { return null; });
      });
      count.textContent = files.length + "/" + most;
    });
  }

  function init(scope) {
    each(scope, "[data-review-counter]", counter);
    each(scope, "[data-review-rate]", rate);
    each(scope, "[data-review-photos]", photos);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
})();
