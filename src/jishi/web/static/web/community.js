// Choosing a pickup point: "Use my location" fills the coordinates from the phone and looks the points up.
(function () {
  "use strict";
  var form = document.querySelector("form[data-locate]");
  var button = form && form.querySelector("[data-locate-button]");
  if (!button || !("geolocation" in navigator)) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        form.elements.lat.value = position.coords.latitude.toFixed(6);
        form.elements.lng.value = position.coords.longitude.toFixed(6);
        form.submit();
      },
      function () {
        button.disabled = false;
      },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 }
    );
  });
})();
