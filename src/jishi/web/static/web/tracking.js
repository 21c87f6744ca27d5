/* The ship form: as the tracking number is typed, fill an empty carrier with the courier the number looks like
   (GET /api/v1/carriers/detect). A carrier the merchant typed is never replaced; without JavaScript the server
   fills an empty carrier the same way when the form is sent. */
(function () {
  "use strict";

  function initGuess(input) {
    var carrier = document.getElementById(input.dataset.carrierGuess);
    if (!carrier || !input.dataset.guessUrl || !window.fetch) { return; }
    var typed = carrier.value !== "";
    carrier.addEventListener("input", function () { typed = carrier.value !== ""; });
    input.addEventListener("change", function () {
      var number = input.value.trim();
      if (typed || !number) { return; }
      fetch(input.dataset.guessUrl + "?number=" + encodeURIComponent(number), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (found) { if (found && found.name && !typed) { carrier.value = found.name; } })
        .catch(function () { /* no guess: the server guesses on submit */ });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-carrier-guess]").forEach(initGuess);
  });
})();
