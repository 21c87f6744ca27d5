// The leader centre ("Use my location" for a pickup point is jishi.js's): "Scan the QR code"
// reads a resident's pickup code with the rear camera (BarcodeDetector, where the browser has it), and "Copy link"
// puts a campaign's share link on the clipboard. The pages work without this file: the coordinates and the code
// can be typed, the link selected and copied.
(function () {
  "use strict";

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

  function initCopy(button) {
    var input = document.getElementById(button.dataset.copy);
    var status = (button.closest(".share-card") || document).querySelector("[data-copy-status]");
    if (!input) { return; }
    button.hidden = false;

    function said(text) { if (status) { status.textContent = text; } }

    function selectAndCopy() {  // older browsers, and pages not served over https
      input.focus();
      input.select();
      input.setSelectionRange(0, input.value.length);
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
      said(copied ? button.dataset.copied : button.dataset.failed);
    }

    input.addEventListener("focus", function () { input.select(); });
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(function () { said(button.dataset.copied); }, selectAndCopy);
      } else {
        selectAndCopy();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-scan]").forEach(initScan);
    document.querySelectorAll("[data-copy]").forEach(initCopy);
  });
})();
