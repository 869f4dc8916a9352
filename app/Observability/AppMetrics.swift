import Foundation
import Prometheus
import Synchronization

/// The service's Prometheus metrics (DESIGN.md §6). Metrics are made on swift-prometheus's registry
/// directly rather than through swift-metrics, because only the registry carries the `# HELP` text that
/// `promtool check metrics` requires.
final class AppMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let requestsInFlight: Gauge
    private let process: ProcessMetrics
    /// The series of each method, route and status seen, so a request costs one dictionary lookup.
    private let requestSeries = Mutex<[RequestLabels: RequestSeries]>([:])

    private struct RequestLabels: Hashable {
        var method: String
        var route: String
        var status: String
    }

    private struct RequestSeries {
        let count: Counter
        let duration: DurationHistogram
    }

    /// Request durations up to a minute, so injected latency and hangs land in buckets of their own.
    static let durationBuckets: [Duration] = [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
    ].map { Duration.seconds($0) }

    init(version: String) {
        requestsInFlight = registry.makeGauge(
            name: "http_requests_in_flight", help: "HTTP requests being served now.")
        registry.makeGauge(
            name: "app_build_info", labels: [("version", version), ("swift", Self.swiftVersion)],
            help: "Always 1; its labels say which build is running."
        ).set(to: 1)
        process = ProcessMetrics(registry: registry)
        for type in FaultType.allCases {  // every series exists from the start, at 0
            _ = faultsActive(type)
            _ = faultsInjected(type)
        }
    }

    /// Counts a finished request and records its duration. `status` is the HTTP code, or `aborted` for a
    /// connection closed without an answer.
    func recordRequest(method: String, route: String, status: String, duration: Duration) {
        let key = RequestLabels(method: method, route: route, status: status)
        let series = requestSeries.withLock { cache in
            if let series = cache[key] { return series }
            let labels = [("method", method), ("route", route), ("status", status)]
            let series = RequestSeries(
                count: registry.makeCounter(
                    name: "http_requests_total", labels: labels, help: "HTTP requests served, by route template and status."),
                duration: registry.makeDurationHistogram(
                    name: "http_request_duration_seconds", labels: labels, buckets: Self.durationBuckets,
                    help: "Time from request to response, injected faults included."))
            cache[key] = series
            return series
        }
        series.count.increment()
        series.duration.record(duration)
    }

    func faultsActive(_ type: FaultType) -> Gauge {
        registry.makeGauge(
            name: "app_faults_active", labels: [("type", type.rawValue)], help: "Injected faults in force, by type.")
    }

    func faultInjected(_ type: FaultType) {
        faultsInjected(type).increment()
    }

    private func faultsInjected(_ type: FaultType) -> Counter {
        registry.makeCounter(
            name: "app_faults_injected_total", labels: [("type", type.rawValue)],
            help: "Times an injected fault acted: on a request, a store call, a probe, or the process.")
    }

    /// The text exposition of every metric, process figures read now.
    func exposition() -> [UInt8] {
        process.update()
        return registry.emitToBuffer()
    }

    private static var swiftVersion: String {
        #if compiler(>=6.3)
        "6.3"
        #else
        "6"
        #endif
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
        cpuSeconds = registry.makeCounter(name: "process_cpu_seconds_total", help: "User and system CPU time spent, in seconds.")
        residentBytes = registry.makeGauge(name: "process_resident_memory_bytes", help: "Resident memory size in bytes.")
        virtualBytes = registry.makeGauge(name: "process_virtual_memory_bytes", help: "Virtual memory size in bytes.")
        openFileDescriptors = registry.makeGauge(name: "process_open_fds", help: "Open file descriptors.")
        maxFileDescriptors = registry.makeGauge(name: "process_max_fds", help: "Limit on open file descriptors.")
        startTime = registry.makeGauge(
            name: "process_start_time_seconds", help: "Start time of the process since the Unix epoch, in seconds.")
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
