import Foundation

/// The facts the app's metrics, the alerting rules and the scripts that make and study them must agree on,
/// kept once in `monitoring.json` beside this file: Swift embeds it at build time, `scripts/make_rules.py`
/// and `scripts/alerting-study.py` read the same file. Change a fact there, never a copy of it.
public struct MonitoringContract: Decodable, Sendable {
    /// Where rules run, and how their durations relate to production's.
    public struct Profile: Decodable, Sendable, Equatable {
        public var name: String
        /// Every window, `for:` and horizon is the production one divided by this (60 in the lab: one
        /// production minute is one lab second).
        public var scaleDivisor: Int
        /// No scaled duration is shorter than this many seconds: four scrape intervals, so that `rate()` has
        /// points even when a scrape is missed.
        public var floorSeconds: Int
        /// The scrape and rule evaluation interval the profile's configuration and tests use.
        public var intervalSeconds: Int

        /// A production duration in this profile, in whole seconds (rounded up), never under the floor;
        /// 0 stays 0.
        public func seconds(_ production: Int) -> Int {
            production == 0 ? 0 : max((production + scaleDivisor - 1) / scaleDivisor, floorSeconds)
        }
    }

    /// Upper bounds of `http_request_duration_seconds`: fine where game days inject latency. A latency on a
    /// round bound lands in the bucket above it and reads near that bucket's top, so a bound 10 % above each
    /// round latency game days inject (100 ms, 800 ms, 1 s, 2.5 s) keeps its p99 within 15 %.
    public var requestDurationBucketsSeconds: [Double]
    /// Upper bounds of `app_store_call_duration_seconds`: store calls take tens of microseconds to a few
    /// milliseconds and wait at most the 5 s busy timeout.
    public var storeDurationBucketsSeconds: [Double]
    /// `production` and `lab`.
    public var profiles: [Profile]

    /// The contract this build was made with.
    public static let current: MonitoringContract = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(MonitoringContract.self, from: Data(PackageResources.monitoring_json))
        } catch {
            // The file is part of the build; MonitoringContractTests decodes it, so this cannot ship.
            fatalError("Sources/MonitoringContract/monitoring.json does not decode: \(error)")
        }
    }()

    /// The profile called `name`; every name the code asks for is in the file (MonitoringContractTests).
    public func profile(_ name: String) -> Profile {
        guard let profile = profiles.first(where: { $0.name == name }) else {
            fatalError("Sources/MonitoringContract/monitoring.json has no profile '\(name)'")
        }
        return profile
    }
}
