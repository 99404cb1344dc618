package api

import (
	"crypto/subtle"
	"math"
	"runtime"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/handlers"
)

// metrics are the Prometheus series the app exports; each app has its own registry so tests
// can build many apps in one process.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "zhifa_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "zhifa_http_request_duration_seconds", Help: "HTTP request latency by method and route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"}),
	}
	m.reg.MustRegister(m.requests, m.duration, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// middleware labels by route pattern, not raw path, so ids do not explode the series count.
func (m *metrics) middleware(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	route := c.Route().Path
	if c.Route().Method == "USE" || route == "/" && c.Path() != "/" {
		route = "unmatched"
	}
	status := c.Response().StatusCode()
	m.requests.WithLabelValues(c.Method(), route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(c.Method(), route).Observe(time.Since(start).Seconds())
	return err
}

// handler serves the series to a scraper that presents token; without a token configured
// /metrics does not exist, since the series describe the traffic of every agency.
func (m *metrics) handler(token string) fiber.Handler {
	serve := adaptor.HTTPHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	want := []byte("Bearer " + token)
	return func(c *fiber.Ctx) error {
		if token == "" {
			return fiber.NewError(fiber.StatusNotFound, "no route for GET /metrics")
		}
		if subtle.ConstantTimeCompare([]byte(c.Get(fiber.HeaderAuthorization)), want) != 1 {
			c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="metrics"`)
			return domain.Errorf(domain.Unauthorized, "/metrics needs the metrics token")
		}
		return serve(c)
	}
}

// systemSummary is the health page's view of the series, for the sysadmin: /metrics itself
// stays the scraper's, behind its own token, which never reaches a browser.
type systemSummary struct {
	StartedAt       time.Time `json:"started_at"`
	UptimeSeconds   int64     `json:"uptime_seconds"`
	Requests        int64     `json:"requests"`
	ClientErrors    int64     `json:"client_errors"`
	ServerErrors    int64     `json:"server_errors"`
	MeanLatencyMS   float64   `json:"mean_latency_ms"`
	Goroutines      int       `json:"goroutines"`
	HeapBytes       uint64    `json:"heap_bytes"`
	ResidentBytes   int64     `json:"resident_bytes"`
	OpenFiles       int64     `json:"open_files"`
	GoVersion       string    `json:"go_version"`
	MetricsEndpoint bool      `json:"metrics_endpoint"`
}

// summary answers the totals since start; sysadmin only.
func (m *metrics) summary(started time.Time, metricsOn bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if p, _ := handlers.PrincipalOf(c); !p.Has(domain.RoleSysadmin) {
			return domain.Errorf(domain.Forbidden, "only a sysadmin reads the system's metrics")
		}
		s := systemSummary{StartedAt: started.UTC(), UptimeSeconds: int64(time.Since(started).Seconds()), Goroutines: runtime.NumGoroutine(),
			GoVersion: runtime.Version(), MetricsEndpoint: metricsOn}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		s.HeapBytes = ms.HeapAlloc
		families, err := m.reg.Gather()
		if err != nil {
			return err
		}
		var seconds float64
		var observed uint64
		for _, f := range families {
			switch f.GetName() {
			case "zhifa_http_requests_total":
				for _, mm := range f.GetMetric() {
					n := int64(mm.GetCounter().GetValue())
					s.Requests += n
					for _, l := range mm.GetLabel() {
						if l.GetName() == "status" && len(l.GetValue()) == 3 {
							switch l.GetValue()[0] {
							case '4':
								s.ClientErrors += n
							case '5':
								s.ServerErrors += n
							}
						}
					}
				}
			case "zhifa_http_request_duration_seconds":
				for _, mm := range f.GetMetric() {
					seconds += mm.GetHistogram().GetSampleSum()
					observed += mm.GetHistogram().GetSampleCount()
				}
			case "process_resident_memory_bytes":
				if mm := f.GetMetric(); len(mm) > 0 {
					s.ResidentBytes = int64(mm[0].GetGauge().GetValue())
				}
			case "process_open_fds":
				if mm := f.GetMetric(); len(mm) > 0 {
					s.OpenFiles = int64(mm[0].GetGauge().GetValue())
				}
			}
		}
		if observed > 0 {
			s.MeanLatencyMS = math.Round(seconds/float64(observed)*1e4) / 10
		}
		return c.JSON(s)
	}
}

// commandCounter is the store's count of the commands it sent to the engine.
type commandCounter interface{ Commands() map[string]int64 }

// storeCommands exports the store's command counts as zhifa_store_commands_total{command}:
// what the engine is asked per request is what a regression in round trips shows as, and an
// idle server's count stays still.
type storeCommands struct {
	store commandCounter
	desc  *prometheus.Desc
}

func newStoreCommands(s commandCounter) *storeCommands {
	return &storeCommands{store: s, desc: prometheus.NewDesc("zhifa_store_commands_total",
		"Commands sent to the document engine, by command and collection (such as \"find cases\").", []string{"command"}, nil)}
}

func (c *storeCommands) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *storeCommands) Collect(ch chan<- prometheus.Metric) {
	for name, n := range c.store.Commands() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(n), name)
	}
}
