// Merchant centre, the pet listing editor: the birth date shows the animal's age against its species' minimum sale
// age ("Use my location" is jishi.js's). Everything works without this file.
(function () {
  "use strict";

  function initAge() {
    var breed = document.getElementById("id_breed_id");
    var birth = document.getElementById("id_birth_date");
    var output = document.querySelector("[data-pet-age]");
    if (!breed || !birth || !output) return;
    var minimum = {};
    try {
      minimum = JSON.parse(breed.dataset.minWeeks || "{}");
    } catch (error) {
      minimum = {};
    }
    function update() {
      var born = birth.value ? new Date(birth.value + "T00:00:00") : null;
      if (!born || isNaN(born.getTime())) {
        output.hidden = true;
        return;
      }
      var weeks = Math.floor((Date.now() - born.getTime()) / (7 * 24 * 3600 * 1000));
      if (weeks < 0) {
        output.hidden = true;
        return;
      }
      var min = minimum[breed.value];
      var young = min !== undefined && weeks < min;
      output.textContent = young
        ? output.dataset.youngText.replace("{min}", min)
        : output.dataset.ageText.replace("{weeks}", weeks);
      output.classList.toggle("pet-m-too-young", young);
      output.hidden = false;
    }
    breed.addEventListener("change", update);
    birth.addEventListener("change", update);
    birth.addEventListener("input", update);
    update();
  }

  
  initAge();
})();
