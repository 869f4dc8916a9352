import Synchronization

/// A Prometheus histogram family written here rather than by swift-prometheus, whose exposition spells bucket
/// bounds as Swift prints a `Double` (`le="1.0"`). Prometheus 2 compares `le` as text, so the rules and
/// dashboards written for the Go client's spelling (`le="1"`) would match nothing. Each series renders its
/// bucket lines once, when it is made, so a scrape only appends counts.
final class HistogramFamily: Sendable {
    let name: String
    let help: String
    let labelNames: [String]
    /// Upper bounds of the buckets, ascending; `+Inf` is implied.
    let bounds: [Double]

    private struct Series {
        var byLabelValues: [[String]: Histogram] = [:]
        /// In the order they were made, so the exposition is stable.
        var ordered: [Histogram] = []
    }

    private let series = Mutex(Series())

    init(name: String, help: String, labelNames: [String], bounds: [Double]) {
        precondition(bounds == bounds.sorted() && Set(bounds).count == bounds.count, "bounds must ascend")
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.bounds = bounds
    }

    /// The series with `labelValues`, given in the order of ``labelNames``; made on first use.
    func histogram(_ labelValues: [String]) -> Histogram {
        precondition(labelValues.count == labelNames.count)
        return series.withLock { series in
            if let histogram = series.byLabelValues[labelValues] { return histogram }
            let histogram = Histogram(family: self, labels: Array(zip(labelNames, labelValues)))
            series.byLabelValues[labelValues] = histogram
            series.ordered.append(histogram)
            return histogram
        }
    }

    /// `# HELP`, `# TYPE` and every series, in the text exposition format.
    func emit(into buffer: inout [UInt8]) {
        buffer.append(contentsOf: "# HELP \(name) \(help)\n# TYPE \(name) histogram\n".utf8)
        for histogram in series.withLock({ $0.ordered }) {
            histogram.emit(into: &buffer)
        }
    }
}

/// One series of a ``HistogramFamily``: a count per bucket, and the sum and count of all observations.
final class Histogram: Sendable {
    private let bounds: [Double]
    /// `NAME_bucket{LABELS,le="BOUND"} ` for each bound and `+Inf`, then the `_sum` and `_count` prefixes.
    private let bucketPrefixes: [[UInt8]]
    private let sumPrefix: [UInt8]
    private let countPrefix: [UInt8]

    private struct Counts {
        /// Observations per bucket, not cumulative: the last one is above every bound.
        var buckets: [UInt64]
        var sum = 0.0
        var count: UInt64 = 0
    }

    private let counts: Mutex<Counts>

    fileprivate init(family: HistogramFamily, labels: [(String, String)]) {
        bounds = family.bounds
        let rendered = labels.map { "\($0)=\"\(Self.escaped($1))\"" }
        func prefix(_ suffix: String, _ extra: [String]) -> [UInt8] {
            let all = rendered + extra
            return Array("\(family.name)\(suffix)\(all.isEmpty ? "" : "{\(all.joined(separator: ","))}") ".utf8)
        }
        bucketPrefixes = (family.bounds.map(\.boundLabel) + ["+Inf"]).map { prefix("_bucket", ["le=\"\($0)\""]) }
        sumPrefix = prefix("_sum", [])
        countPrefix = prefix("_count", [])
        counts = Mutex(Counts(buckets: Array(repeating: 0, count: family.bounds.count + 1)))
    }

    func observe(_ value: Double) {
        let bucket = bounds.firstIndex { value <= $0 } ?? bounds.count
        counts.withLock { counts in
            counts.buckets[bucket] += 1
            counts.sum += value
            counts.count += 1
        }
    }

    func observe(_ duration: Duration) {
        observe(duration / .seconds(1))
    }

    fileprivate func emit(into buffer: inout [UInt8]) {
        let counts = counts.withLock { $0 }
        var cumulative: UInt64 = 0
        for (prefix, count) in zip(bucketPrefixes, counts.buckets) {
            cumulative += count
            buffer.append(contentsOf: prefix)
            buffer.append(contentsOf: "\(cumulative)\n".utf8)
        }
        buffer.append(contentsOf: sumPrefix)
        buffer.append(contentsOf: "\(counts.sum)\n".utf8)
        buffer.append(contentsOf: countPrefix)
        buffer.append(contentsOf: "\(counts.count)\n".utf8)
    }

    /// A label value with backslash, double quote and line feed escaped, as the text format requires.
    private static func escaped(_ value: String) -> String {
        value.replacing("\\", with: #"\\"#).replacing("\"", with: #"\""#).replacing("\n", with: #"\n"#)
    }
}

extension Double {
    /// A bucket bound as Prometheus's Go client writes it (`strconv.FormatFloat(x, 'g', -1, 64)`): `1`, `2.5`,
    /// `0.001`, never `1.0`. Swift's shortest form has the same digits, and from 0.0001 up to a million the
    /// same layout but for the `.0` of whole numbers; past that range Go switches to exponents, which no bound
    /// here needs.
    var boundLabel: String {
        precondition(self >= 1e-4 && self < 1e6, "Go writes \(self) with an exponent")
        let text = description
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }
}
