// Draws the operator pages' charts with the Chart.js (2.9) the Hangfire dashboard already ships: each
// <canvas data-nexus-chart="id"> reads its spec ({type, labels, series, stacked}) from <script type="application/json" id="id">.
(function () {
    'use strict';
    if (typeof Chart === 'undefined') {
        return;
    }
    var palette = ['#d9534f', '#f0ad4e', '#5bc0de', '#337ab7', '#5cb85c', '#9b59b6', '#e67e22', '#7f8c8d', '#2c3e50', '#16a085'];
    var canvases = document.querySelectorAll('canvas[data-nexus-chart]');
    Array.prototype.forEach.call(canvases, function (canvas) {
        var source = document.getElementById(canvas.getAttribute('data-nexus-chart'));
        if (!source) {
            return;
        }
        var spec = JSON.parse(source.textContent);
        var line = spec.type === 'line';
        var datasets = spec.series.map(function (s, i) {
            var colour = palette[i % palette.length];
            return {
                label: s.label,
                data: s.data,
                stack: s.stack || undefined,
                borderColor: colour,
                backgroundColor: line ? 'transparent' : colour,
                borderWidth: line ? 2 : 0,
                pointRadius: line ? 2 : 0,
                lineTension: 0
            };
        });
        new Chart(canvas, {
            type: spec.type,
            data: { labels: spec.labels, datasets: datasets },
            options: {
                animation: { duration: 0 },
                legend: { position: 'bottom' },
                scales: {
                    xAxes: [{ stacked: spec.stacked, ticks: { autoSkip: true, maxRotation: 0 } }],
                    yAxes: [{ stacked: spec.stacked, ticks: { beginAtZero: true, precision: 0 } }]
                }
            }
        });
        canvas.setAttribute('data-nexus-chart-drawn', 'true');
    });
})();
