// Picking a place on a form: a progressive enhancement of the latitude/longitude fields, for
// any module's form that asks where something is (feedback reports today). Without JavaScript
// the fields are typed; with it the person may use the phone's location or pick the point on a
// map. The map library (Leaflet, ~42 KB compressed) is only fetched when they ask for the map,
// to keep the form light on weak connections.
//
// The form provides: inputs #f-lat and #f-lon; a hidden #location-picker whose data-
// attributes carry the tile server (data-tiles, data-attribution), the starting view
// (data-center "lat,lon,zoom") and the status texts (data-loading, -hint, -failed, -locating,
// -found, -denied); in it #location-here-button, #location-map-button, #location-map and
// #location-status.
(function () {
  'use strict';
  var picker = document.getElementById('location-picker');
  var lat = document.getElementById('f-lat');
  var lon = document.getElementById('f-lon');
  if (!picker || !lat || !lon) return;
  var status = document.getElementById('location-status');
  var leafletBase = '/static/vendor/leaflet-1.9.4/';
  var map = null;
  var marker = null;
  var loading = null;

  picker.hidden = false;

  function say(text) { if (status) status.textContent = text; }

  function typedPoint() {
    var a = parseFloat(lat.value.replace(',', '.'));
    var b = parseFloat(lon.value.replace(',', '.'));
    return isFinite(a) && isFinite(b) ? [a, b] : null;
  }

  function setPoint(latitude, longitude) {
    lat.value = latitude.toFixed(6);
    lon.value = longitude.toFixed(6);
    if (map) placeMarker([latitude, longitude]);
  }

  function placeMarker(point) {
    if (marker) {
      marker.setLatLng(point);
    } else {
      marker = window.L.marker(point, { draggable: true, keyboard: true }).addTo(map);
      marker.on('dragend', function () {
        var p = marker.getLatLng();
        setPoint(p.lat, p.lng);
      });
    }
  }

  function load(tag, attributes) {
    return new Promise(function (resolve, reject) {
      var element = document.createElement(tag);
      Object.keys(attributes).forEach(function (k) { element[k] = attributes[k]; });
      element.onload = resolve;
      element.onerror = reject;
      document.head.appendChild(element);
    });
  }

  function openMap() {
    var box = document.getElementById('location-map');
    box.hidden = false;
    // A second tap while the library loads must not start a second map.
    if (map || loading) return;
    say(picker.dataset.loading);
    loading = Promise.all([
      load('link', { rel: 'stylesheet', href: leafletBase + 'leaflet.css' }),
      window.L ? Promise.resolve() : load('script', { src: leafletBase + 'leaflet.js' })
    ]).then(function () {
      var center = picker.dataset.center.split(',').map(Number);
      var start = typedPoint();
      map = window.L.map(box).setView(start || [center[0], center[1]], start ? 17 : center[2]);
      window.L.tileLayer(picker.dataset.tiles, {
        maxZoom: 19,
        attribution: picker.dataset.attribution
      }).addTo(map);
      if (start) placeMarker(start);
      map.on('click', function (e) { setPoint(e.latlng.lat, e.latlng.lng); });
      say(picker.dataset.hint);
    }).catch(function () {
      box.hidden = true;
      loading = null;
      say(picker.dataset.failed);
    });
  }

  var mapButton = document.getElementById('location-map-button');
  if (mapButton) mapButton.addEventListener('click', openMap);

  var hereButton = document.getElementById('location-here-button');
  if (hereButton && 'geolocation' in navigator) {
    hereButton.hidden = false;
    hereButton.addEventListener('click', function () {
      say(picker.dataset.locating);
      navigator.geolocation.getCurrentPosition(function (position) {
        setPoint(position.coords.latitude, position.coords.longitude);
        say(picker.dataset.found);
      }, function () {
        say(picker.dataset.denied);
      }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }

  // A point typed by hand moves the marker too.
  [lat, lon].forEach(function (field) {
    field.addEventListener('change', function () {
      var p = typedPoint();
      if (map && p) { placeMarker(p); map.panTo(p); }
    });
  });
})();
