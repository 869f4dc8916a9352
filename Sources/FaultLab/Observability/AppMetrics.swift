import FaultCatalog
import Foundation
import Prometheus
import Synchronization

/// The service's Prometheus metrics (docs/contract.md, "Metrics"). Metrics are made on swift-prometheus's registry
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
            descriptor: .init("http_requests_in_flight", help: "HTTP requests being served now."))
        registry.makeGauge(
            descriptor: .init("app_build_info", help: "Always 1; its labels say which build is running."),
            labels: [("version", version), ("swift", Self.swiftVersion)]
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
                    descriptor: .init(
                        "http_requests_total", help: "HTTP requests served, by route template and status."),
                    labels: labels),
                duration: registry.makeDurationHistogram(
                    descriptor: .init(
                        "http_request_duration_seconds",
                        help: "Time from request to response, injected faults included."),
                    labels: labels, buckets: Self.durationBuckets))
            cache[key] = series
            return series
        }
        series.count.increment()
        series.duration.record(duration)
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
