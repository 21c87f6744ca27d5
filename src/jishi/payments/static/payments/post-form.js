// Sends the signed form on to the gateway as soon as the page loads; the button stays for browsers without script.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("gateway-form");
  if (form) { form.submit(); }
});
