// The leader centre: "Use my location" fills a pickup point's coordinates from the phone, and "Scan the QR code"
// reads a resident's pickup code with the rear camera (BarcodeDetector, where the browser has it). Both pages work
// without this file: the coordinates and the code can be typed.
(function () {
  "use strict";

  function initLocate(button) {
    var form = button.form;
    var status = form.querySelector("[data-locate-status]");
    if (!("geolocation" in navigator)) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      status.textContent = button.dataset.locating;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.elements.latitude.value = position.coords.latitude.toFixed(6);
          form.elements.longitude.value = position.coords.longitude.toFixed(6);
          status.textContent = button.dataset.located;
          button.disabled = false;
        },
        function () {
          status.textContent = button.dataset.failed;
          button.disabled = false;
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  // Browsers give the camera to secure pages only: https, or this machine while developing.
  function cameraAllowed() {
    var host = window.location.hostname;
    var local = host === "localhost" || host === "127.0.0.1" || host === "[::1]";
    return (window.location.protocol === "https:" || local) &&
      "BarcodeDetector" in window && !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  }

  function initScan(button) {
    if (!cameraAllowed()) { return; }
    var form = button.form;
    var input = form.elements.code;
    var box = form.querySelector("[data-scanner]");
    var video = box.querySelector("video");
    var status = form.querySelector("[data-scan-status]");
    var detector = null;
    var stream = null;
    var timer = null;

    var formats = window.BarcodeDetector.getSupportedFormats ? window.BarcodeDetector.getSupportedFormats() : Promise.resolve(["qr_code"]);
    formats.then(function (supported) {
      if (supported.indexOf("qr_code") < 0) { return; }
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      button.hidden = false;
    }).catch(function () { /* no detector: the code is typed */ });

    function stop() {
      clearTimeout(timer);
      timer = null;
      if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
      stream = null;
      video.srcObject = null;
      box.hidden = true;
      button.hidden = false;
    }

    function found(codes) {
      for (var i = 0; i < codes.length; i++) {
        var digits = String(codes[i].rawValue || "").replace(/\D/g, "");
        if (digits.length === 6) { return digits; }
      }
      return null;
    }

    function scan() {
      if (!stream) { return; }
      detector.detect(video).then(function (codes) {
        var code = found(codes);
        if (!code) { timer = setTimeout(scan, 200); return; }
        input.value = code;
        stop();
        status.textContent = "";
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      }, function () {
        timer = setTimeout(scan, 400);  // the video has no frame yet
      });
    }

    button.addEventListener("click", function () {
      button.hidden = true;
      box.hidden = false;
      status.textContent = button.dataset.starting;
      navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
        .then(function (media) {
          stream = media;
          video.srcObject = media;
          return video.play();
        })
        .then(function () {
          status.textContent = button.dataset.aim;
          scan();
        })
        .catch(function () {
          stop();
          status.textContent = button.dataset.denied;
        });
    });
    box.querySelector("[data-scan-stop]").addEventListener("click", function () {
      stop();
      status.textContent = "";
    });
    window.addEventListener("pagehide", stop);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-locate-point]").forEach(initLocate);
    document.querySelectorAll("[data-scan]").forEach(initScan);
  });
})();
