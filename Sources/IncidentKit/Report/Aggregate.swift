/// n, mean, median, p90 and max of a set of durations in seconds (docs/contract.md, "Metric definitions").
///
/// Percentiles interpolate linearly between the closest ranks, as numpy's default does: for sorted values
/// x₀…xₙ₋₁, the p-th percentile lies at rank h = (n − 1)·p, between x⌊h⌋ and x⌈h⌉.
public struct Aggregate: Encodable, Sendable, Equatable {
    public var n: Int
    @Nullable public var mean: Double?
    @Nullable public var median: Double?
    @Nullable public var p90: Double?
    @Nullable public var max: Double?

    public init(_ values: [Double]) {
        n = values.count
        guard !values.isEmpty else { return }
        var values = values
        mean = Self.milliseconds(values.reduce(0, +) / Double(n))
        max = values.max()
        median = Self.milliseconds(Self.percentile(0.5, of: &values))
        // The median's selection left every rank above it in the upper half: p90 is selected there alone.
        p90 = Self.milliseconds(Self.percentile(0.9, of: &values, above: Self.lowerRank(0.5, count: n)))
    }

    /// The `p`-th quantile (0…1) of `values`, by linear interpolation between closest ranks. It reorders
    /// `values` partly, finding the two ranks by selection in linear time instead of sorting. When a
    /// selection has already put every value of a rank above `start` at `start` or after, `above: start`
    /// searches only there.
    public static func percentile(_ p: Double, of values: inout [Double], above start: Int = 0) -> Double {
        let rank = Double(values.count - 1) * p
        let lower = lowerRank(p, count: values.count)
        select(lower, in: &values, from: start)
        // After selection everything above `lower` is at least values[lower]: the next rank is their minimum.
        let upper = values[(lower + 1)...].min() ?? values[lower]
        return values[lower] + (rank - Double(lower)) * (upper - values[lower])
    }

    /// The closest rank at or below the `p`-th quantile's of `count` sorted values.
    static func lowerRank(_ p: Double, count: Int) -> Int {
        Int((Double(count - 1) * p).rounded(.down))
    }

    /// Moves the `k`-th smallest element to index `k`, smaller ones before it and larger ones after it
    /// (Hoare's quickselect, middle pivot), looking only at `start...` (`k` at least `start`).
    static func select(_ k: Int, in values: inout [Double], from start: Int) {
        precondition(k >= start, "the rank to select lies below the part searched")
        var low = start
        var high = values.count - 1
        while low < high {
            let pivot = values[(low + high) / 2]
            var left = low
            var right = high
            while left <= right {
                while values[left] < pivot { left += 1 }
                while values[right] > pivot { right -= 1 }
                if left <= right {
                    values.swapAt(left, right)
                    left += 1
                    right -= 1
                }
            }
            if k <= right {
                high = right
            } else if k >= left {
                low = left
            } else {
                return
            }
        }
    }

    /// Rounds to the millisecond, the precision of the timestamps the durations come from.
    static func milliseconds(_ seconds: Double) -> Double {
        (seconds * 1000).rounded() / 1000
    }

    enum CodingKeys: String, CodingKey {
        case n
        case mean = "mean_s"
        case median = "median_s"
        case p90 = "p90_s"
        case max = "max_s"
    }
}
