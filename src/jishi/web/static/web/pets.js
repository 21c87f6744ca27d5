// 宠物: the pet search's 筛选 sheet closes when the shopper taps outside it ("Use my location" is jishi.js's).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.pet-drawer[open]").forEach(function (drawer) {
      if (!drawer.contains(event.target)) drawer.open = false;
    });
  });
})();
