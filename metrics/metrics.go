// Package metrics holds the platform's Prometheus collectors.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the collectors, registered on their own registry so tests can
// make as many as they like.
type Metrics struct {
	registry *prometheus.Registry

	Requests      *prometheus.CounterVec
	Latency       *prometheus.HistogramVec
	Appends       prometheus.Counter
	BatchRequests prometheus.Histogram
	BatchEvents   prometheus.Histogram
	Commit        prometheus.Histogram
	Fsync         prometheus.Histogram
	Lag           *prometheus.GaugeVec
	eventTypes    *prometheus.CounterVec
}

// New returns a fresh set of collectors, with the Go runtime's and the
// process's as well.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lifeline_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		Latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "lifeline_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
		Appends: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lifeline_events_appended_total", Help: "Events durably appended to the log.",
		}),
		BatchRequests: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "lifeline_store_batch_requests", Help: "Append requests committed per group commit.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 11),
		}),
		BatchEvents: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "lifeline_store_batch_events", Help: "Events committed per group commit.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 14),
		}),
		Commit: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "lifeline_store_commit_seconds", Help: "Time to commit one group commit (on PostgreSQL, including its WAL flush).",
			Buckets: []float64{.0002, .0005, .001, .002, .005, .01, .02, .05, .1, .25, 1},
		}),
		Fsync: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "lifeline_store_fsync_seconds", Help: "Time to fsync the embedded store's write-ahead log.",
			Buckets: []float64{.0002, .0005, .001, .002, .005, .01, .02, .05, .1, .25, 1},
		}),
		Lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "lifeline_subscription_lag_events", Help: "Events appended but not yet processed, per subscription.",
		}, []string{"subscription"}),
		eventTypes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lifeline_events_processed_total", Help: "Events seen by the metrics subscription, by type.",
		}, []string{"type"}),
	}
	m.registry.MustRegister(m.Requests, m.Latency, m.Appends, m.BatchRequests, m.BatchEvents, m.Commit, m.Fsync, m.Lag, m.eventTypes,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveCommit records one group commit; stores call it through their
// OnCommit option.
func (m *Metrics) ObserveCommit(requests, events int, took time.Duration) {
	m.Appends.Add(float64(events))
	m.BatchRequests.Observe(float64(requests))
	m.BatchEvents.Observe(float64(events))
	m.Commit.Observe(took.Seconds())
}

// ObserveSync records one fsync of the write-ahead log.
func (m *Metrics) ObserveSync(took time.Duration) { m.Fsync.Observe(took.Seconds()) }

// ObserveLag records how far a subscription is behind the head.
func (m *Metrics) ObserveLag(subscription string, lag int64) {
	m.Lag.WithLabelValues(subscription).Set(float64(lag))
}

// EventTypes counts events by type; the metrics subscription feeds it.
func (m *Metrics) EventTypes() *prometheus.CounterVec { return m.eventTypes }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
