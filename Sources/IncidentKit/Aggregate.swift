/// n, mean, median, p90 and max of a set of durations in seconds (DESIGN.md §4).
///
/// Percentiles interpolate linearly between the closest ranks, as numpy's default does: for sorted values
/// x₀…xₙ₋₁, the p-th percentile lies at rank h = (n − 1)·p, between x⌊h⌋ and x⌈h⌉.
public struct Aggregate: Encodable, Sendable, Equatable {
    public var n: Int
    public var mean: Double?
    public var median: Double?
    public var p90: Double?
    public var max: Double?

    public init(_ values: [Double]) {
        n = values.count
        guard !values.isEmpty else { return }
        let sorted = values.sorted()
        mean = Self.milliseconds(sorted.reduce(0, +) / Double(n))
        median = Self.milliseconds(Self.percentile(0.5, ofSorted: sorted))
        p90 = Self.milliseconds(Self.percentile(0.9, ofSorted: sorted))
        max = sorted.last
    }

    /// The `p`-th quantile (0…1) of ascending `sorted`, by linear interpolation between closest ranks.
    public static func percentile(_ p: Double, ofSorted sorted: [Double]) -> Double {
        let rank = Double(sorted.count - 1) * p
        let lower = Int(rank.rounded(.down))
        let upper = Swift.min(lower + 1, sorted.count - 1)
        return sorted[lower] + (rank - Double(lower)) * (sorted[upper] - sorted[lower])
    }

    /// Rounds to the millisecond, the precision of the timestamps the durations come from.
    static func milliseconds(_ seconds: Double) -> Double {
        (seconds * 1000).rounded() / 1000
    }

    enum CodingKeys: String, CodingKey {
        case n, mean = "mean_s", median = "median_s", p90 = "p90_s", max = "max_s"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(n, forKey: .n)
        try container.encode(mean, forKey: .mean)
        try container.encode(median, forKey: .median)
        try container.encode(p90, forKey: .p90)
        try container.encode(max, forKey: .max)
    }
}
