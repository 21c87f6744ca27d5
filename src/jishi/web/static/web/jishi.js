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

  function once(scope, selector, setup) {
    scope.querySelectorAll(selector).forEach(function (element) {
      if (element.dataset.ready) { return; }
      element.dataset.ready = "1";
      setup(element);
    });
  }

  function init(scope) {
    once(scope, "[data-gallery]", initGallery);
    once(scope, "[data-picker]", initPicker);
    once(scope, "[data-region-picker]", initRegionPicker);
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
    // Sort and category selects, and address choices, submit their form as soon as they change.
    once(scope, "form[data-autosubmit]", function (form) {
      form.addEventListener("change", function (event) {
        if (event.target.matches("select, input[type=radio]")) { form.requestSubmit(); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
})();
