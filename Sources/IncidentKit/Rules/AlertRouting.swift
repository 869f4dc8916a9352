/// Where a firing alert goes (docs/contract.md, "Alerts"): the decision of
/// ``IncidentRepository/recordAlert(_:lateWindow:by:now:)``, made from the incidents a store hands over, with
/// no database. Each store fetches the candidates (``AlertRouting/recoveredSince`` says
/// which), calls ``route(among:lateAlerts:)`` and writes what it returns, in one transaction.
public struct AlertRouting: Sendable, Equatable {
    /// What the alert does.
    public enum Route: Sendable, Equatable {
        /// It detects this incident: ongoing when the alert started, and undetected.
        case detect(Int64)
        /// A note on this incident: ongoing when the alert started, and detected already.
        case note(Int64)
        /// A late detection of this incident: it recovered undetected within the late window before the alert
        /// started, and no alert of this name was late on it before.
        case late(Int64)
        /// It opens a real incident. `returning` is the incident that recovered within the late window before
        /// the alert started, whose failure may be coming back.
        case open(returning: Incident?)
    }

    /// The alert's `alertname`.
    public var name: String
    /// When the alert started firing.
    public var startsAt: Timestamp
    /// How long after an undetected incident's recovery a first alert of a name still counts as its late
    /// detection, in seconds.
    public var lateWindow: Double

    public init(name: String, startsAt: Timestamp, lateWindow: Double) {
        self.name = name
        self.startsAt = startsAt
        self.lateWindow = lateWindow
    }

    /// The earliest recovery a candidate may have: a store hands ``route(among:lateAlerts:)`` the incidents
    /// of the alert's service that are not cancelled, started no later than ``startsAt``, and are either not
    /// recovered (mitigated, else resolved) or recovered at this time or later. No other incident can change
    /// the route. A millisecond early, so that rounding never leaves out one the route would take.
    public var recoveredSince: Timestamp { startsAt.adding(seconds: -lateWindow - 0.001) }

    /// The route of the alert among `candidates` (the incidents ``recoveredSince`` describes, in any
    /// order; others are ignored). `lateAlerts` holds the ids of the candidates an alert of
    /// this name was late on already.
    ///
    /// Preference: the ongoing, undetected incident (one still open before one recovered since the alert
    /// started, then injected before real, then the most recently started); else an ongoing incident
    /// detected already; else the late detection of the incident that recovered most recently; else a new
    /// incident.
    public func route(among candidates: [Incident], lateAlerts: Set<Int64>) -> Route {
        let ordered = candidates.filter { !$0.cancelled && $0.startedAt <= startsAt }.sorted(by: Self.precedes)
        // Ongoing when the alert started, though perhaps recovered by the time the notification arrives
        // (Alertmanager groups and retries): the alert saw this incident.
        let ongoing = ordered.filter { Self.recovery(of: $0).map { $0 >= startsAt } ?? true }
        if let undetected = ongoing.first(where: { $0.detectedAt == nil }) { return .detect(undetected.id!) }
        if let detected = ongoing.first { return .note(detected.id!) }
        let recent = ordered.filter { incident in
            guard let recovered = Self.recovery(of: incident) else { return false }
            return recovered <= startsAt && recovered.seconds(until: startsAt) <= lateWindow
        }.max { Self.recovery(of: $0)! < Self.recovery(of: $1)! }
        // Late: the first alert of its name on an incident that recovered undetected. Anything else after a
        // recovery is an outage of its own, perhaps the same failure returning: never hidden in a note.
        if let recent, recent.detectedAt == nil, !lateAlerts.contains(recent.id!) { return .late(recent.id!) }
        return .open(returning: recent)
    }

    /// When an incident stopped hurting users: mitigated, else resolved; nil while it is ongoing.
    static func recovery(of incident: Incident) -> Timestamp? {
        incident.mitigatedAt ?? incident.resolvedAt
    }

    /// The order candidates are preferred in: still open and undetected, then ``Incident/detectionRank``.
    private static func precedes(_ left: Incident, _ right: Incident) -> Bool {
        func openAndUndetected(_ incident: Incident) -> Int {
            incident.resolvedAt == nil && incident.mitigatedAt == nil && incident.detectedAt == nil ? 1 : 0
        }
        let (leftRank, rightRank) = (left.detectionRank, right.detectionRank)
        return (openAndUndetected(left), leftRank.injected, leftRank.startedAt, leftRank.id)
            > (openAndUndetected(right), rightRank.injected, rightRank.startedAt, rightRank.id)
    }
}
