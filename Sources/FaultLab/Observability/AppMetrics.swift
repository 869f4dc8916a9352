import FaultCatalog
import Foundation
import MonitoringContract
import Prometheus
import Synchronization

/// The service's Prometheus metrics (docs/contract.md, "Metrics"). Counters and gauges are made on
/// swift-prometheus's registry directly rather than through swift-metrics, because only the registry carries the
/// `# HELP` text that `promtool check metrics` requires; histograms are ``HistogramFamily``, which spells bucket
/// bounds as the Go client does.
///
/// User traffic (every route but `/metrics`, `/livez`, `/readyz` and `/admin`) feeds the SLI families
/// `http_requests_total`, `http_request_duration_seconds` and `http_requests_in_flight`; operational traffic only
/// `http_operational_requests_total`, so that scrapes, probes and game-day control do not dilute user ratios.
final class AppMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let requestsInFlight: Gauge
    private let process: ProcessMetrics
    private let ready: Gauge
    private let notReady: [NotReadyReason: Gauge]
    private let requestDurations = HistogramFamily(
        name: "http_request_duration_seconds",
        help: "Time from request to answer of user traffic, injected faults included.",
        labelNames: ["method", "route", "status"], bounds: requestBuckets)
    private let storeCallDurations = HistogramFamily(
        name: "app_store_call_duration_seconds", help: "Time a call to the notes store took, failed calls included.",
        labelNames: ["operation"], bounds: storeBuckets)
    private let storeCalls: [StoreCall: (ok: Counter, error: Counter, duration: Histogram)]
    /// The PostgreSQL connection pool's state; all zero on a SQLite store, which has no pool.
    let pool: PoolMetrics
    /// The series of each method, route and status seen, so a request costs one dictionary lookup.
    private let requestSeries = Mutex<[RequestLabels: RequestSeries]>([:])
    private let operationalSeries = Mutex<[OperationalLabels: Counter]>([:])

    private struct RequestLabels: Hashable {
        var method: String
        var route: String
        var status: Int
    }

    private struct RequestSeries {
        let count: Counter
        let duration: Histogram
    }

    private struct OperationalLabels: Hashable {
        var route: String
        var status: Int
    }

    /// The bounds are the monitoring contract's (Sources/MonitoringContract/monitoring.json), which the rules
    /// and their tests read too.
    static let requestBuckets = MonitoringContract.current.requestDurationBucketsSeconds
    static let storeBuckets = MonitoringContract.current.storeDurationBucketsSeconds

    /// The status a request counts and logs with when the server closed its connection without an answer:
    /// outside HTTP's codes, but a 5xx, so that `status=~"5.."` error ratios include it.
    static let abortedStatus = 599

    init(version: String) {
        requestsInFlight = registry.makeGauge(
            descriptor: .init("http_requests_in_flight", help: "User requests being served now."))
        registry.makeGauge(
            descriptor: .init("app_build_info", help: "Always 1; its labels say which build is running."),
            labels: [("version", version), ("swift", Self.swiftVersion)]
        ).set(to: 1)
        process = ProcessMetrics(registry: registry)
        pool = PoolMetrics(registry: registry)
        ready = registry.makeGauge(
            descriptor: .init("app_ready", help: "1 when /readyz would answer 200 now, else 0; evaluated at scrape."))
        let registry = registry
        let storeCallDurations = storeCallDurations
        notReady = Dictionary(
            uniqueKeysWithValues: NotReadyReason.allCases.map { reason in
                let gauge = registry.makeGauge(
                    descriptor: .init(
                        "app_not_ready", help: "1 for the reason /readyz answers 503 now, 0 for the other reasons."),
                    labels: [("reason", reason.rawValue)])
                return (reason, gauge)
            })
        let storeCallsHelp = "Calls to the notes store, the service's dependency, by operation and result."
        storeCalls = Dictionary(
            uniqueKeysWithValues: StoreCall.allCases.map { call in
                func counter(_ result: String) -> Counter {
                    registry.makeCounter(
                        descriptor: .init("app_store_calls_total", help: storeCallsHelp),
                        labels: [("operation", call.rawValue), ("result", result)])
                }
                return (call, (counter("ok"), counter("error"), storeCallDurations.histogram([call.rawValue])))
            })
        for type in FaultType.appCases {  // every series exists from the start, at 0
            _ = faultsActive(type)
            _ = faultsInjected(type)
        }
    }

    /// Counts a finished user request and records its duration. `status` is the HTTP code, or
    /// ``abortedStatus`` for a connection closed without an answer.
    func recordRequest(method: String, route: String, status: Int, duration: Duration) {
        let key = RequestLabels(method: method, route: route, status: status)
        let series = requestSeries.withLock { cache in
            if let series = cache[key] { return series }
            let series = RequestSeries(
                count: registry.makeCounter(
                    descriptor: .init(
                        "http_requests_total", help: "User requests answered, by method, route template and status."),
                    labels: [("method", method), ("route", route), ("status", String(status))]),
                duration: requestDurations.histogram([method, route, String(status)]))
            cache[key] = series
            return series
        }
        series.count.increment()
        series.duration.observe(duration)
    }

    /// Counts a finished operational request: a probe, a scrape, or a call to the admin API.
    func recordOperationalRequest(route: String, status: Int) {
        let key = OperationalLabels(route: route, status: status)
        let counter = operationalSeries.withLock { cache in
            if let counter = cache[key] { return counter }
            let counter = registry.makeCounter(
                descriptor: .init(
                    "http_operational_requests_total",
                    help: "Requests to /metrics, /livez, /readyz and /admin, kept out of the user traffic families."),
                labels: [("route", route), ("status", String(status))])
            cache[key] = counter
            return counter
        }
        counter.increment()
    }

    /// Counts a call to the notes store and records how long it took.
    func recordStoreCall(_ call: StoreCall, succeeded: Bool, duration: Duration) {
        let series = storeCalls[call]!
        (succeeded ? series.ok : series.error).increment()
        series.duration.observe(duration)
    }

    func faultsActive(_ type: FaultType) -> Gauge {
        registry.makeGauge(
            descriptor: .init("app_faults_active", help: "Injected faults in force, by type."),
            labels: [("type", type.rawValue)])
    }

    func faultInjected(_ type: FaultType) {
        faultsInjected(type).increment()
    }

    private func faultsInjected(_ type: FaultType) -> Counter {
        registry.makeCounter(
            descriptor: .init(
                "app_faults_injected_total",
                help: "Times an injected fault acted: on a request, a store call, a probe, or the process."),
            labels: [("type", type.rawValue)])
    }

    /// The text exposition of every metric, with process figures read now and readiness as just evaluated
    /// (`notReady` nil when ready).
    func exposition(notReady reason: NotReadyReason?) -> [UInt8] {
        process.update()
        ready.set(to: reason == nil ? 1.0 : 0.0)
        for (candidate, gauge) in notReady {
            gauge.set(to: candidate == reason ? 1.0 : 0.0)
        }
        var text = registry.emitToBuffer()
        requestDurations.emit(into: &text)
        storeCallDurations.emit(into: &text)
        return text
    }

    private static var swiftVersion: String {
        #if compiler(>=6.3)
            "6.3"
        #else
            "6"
        #endif
    }
}

/// The `app_db_pool_*` metrics: how many of the pool's connections are idle and in use, how many requests
/// wait for one, and how many gave up waiting.
final class PoolMetrics: Sendable {
    private let size: Gauge
    private let idle: Gauge
    private let inUse: Gauge
    private let waiting: Gauge
    private let timeouts: Counter

    init(registry: PrometheusCollectorRegistry) {
        size = registry.makeGauge(
            descriptor: .init(
                "app_db_pool_max_connections", help: "Connections the database pool may open (0: no pool, SQLite)."))
        let connectionsHelp = "Database connections of the pool, by state."
        idle = registry.makeGauge(
            descriptor: .init("app_db_pool_connections", help: connectionsHelp), labels: [("state", "idle")])
        inUse = registry.makeGauge(
            descriptor: .init("app_db_pool_connections", help: connectionsHelp), labels: [("state", "in_use")])
        waiting = registry.makeGauge(
            descriptor: .init("app_db_pool_waiting_requests", help: "Calls waiting for a free database connection."))
        timeouts = registry.makeCounter(
            descriptor: .init(
                "app_db_pool_timeouts_total",
                help: "Calls that found no free database connection within the pool timeout (answered 503)."))
    }

    func configure(size: Int) {
        self.size.set(Double(size))
    }

    func update(idle: Int, inUse: Int, waiting: Int) {
        self.idle.set(Double(idle))
        self.inUse.set(Double(inUse))
        self.waiting.set(Double(waiting))
    }

    func timedOut() {
        timeouts.increment()
    }
}

/// The notes store's operations, as `app_store_calls_total{operation}` names them.
enum StoreCall: String, CaseIterable, Sendable {
    case add, list, get, ping
}

extension MetricNameDescriptor {
    /// A metric called exactly `name`, with its help text.
    init(_ name: String, help: String) {
        self.init(metricName: name, unitName: "", helpText: help)
    }
}

/// The standard `process_*` metrics of Prometheus client libraries, read from `/proc/self` at scrape time.
private final class ProcessMetrics: Sendable {
    private let cpuSeconds: Counter
    private let residentBytes: Gauge
    private let virtualBytes: Gauge
    private let openFileDescriptors: Gauge
    private let maxFileDescriptors: Gauge
    private let startTime: Gauge
    private let cpuSecondsCounted = Mutex(0.0)

    init(registry: PrometheusCollectorRegistry) {
        cpuSeconds = registry.makeCounter(
            descriptor: .init("process_cpu_seconds_total", help: "User and system CPU time spent, in seconds."))
        residentBytes = registry.makeGauge(
            descriptor: .init("process_resident_memory_bytes", help: "Resident memory size in bytes."))
        virtualBytes = registry.makeGauge(
            descriptor: .init("process_virtual_memory_bytes", help: "Virtual memory size in bytes."))
        openFileDescriptors = registry.makeGauge(descriptor: .init("process_open_fds", help: "Open file descriptors."))
        maxFileDescriptors = registry.makeGauge(
            descriptor: .init("process_max_fds", help: "Limit on open file descriptors."))
        startTime = registry.makeGauge(
            descriptor: .init(
                "process_start_time_seconds", help: "Start time of the process since the Unix epoch, in seconds."))
        startTime.set(Date().timeIntervalSince1970)
    }

    func update() {
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 { maxFileDescriptors.set(Double(limit.rlim_cur)) }
        if let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            openFileDescriptors.set(Double(fds.count))
        }
        // /proc/self/stat after the parenthesised command name, counting from 0: utime 11 and stime 12
        // (clock ticks), vsize 20 (bytes), rss 21 (pages).
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let afterName = stat.range(of: ") ", options: .backwards)
        else { return }
        let fields = stat[afterName.upperBound...].split(separator: " ").map { Double($0) ?? 0 }
        guard fields.count > 21 else { return }
        let cpu = (fields[11] + fields[12]) / Double(sysconf(Int32(_SC_CLK_TCK)))
        let increase = cpuSecondsCounted.withLock { counted in
            defer { counted = max(counted, cpu) }
            return cpu - counted
        }
        if increase > 0 { cpuSeconds.increment(by: increase) }
        virtualBytes.set(fields[20])
        residentBytes.set(fields[21] * Double(sysconf(Int32(_SC_PAGESIZE))))
    }
}
