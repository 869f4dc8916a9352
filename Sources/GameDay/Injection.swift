import Conventions
import FaultCatalog
import Foundation
import IncidentKit

/// Breaking the target on purpose and clearing it again, each with its record: no fault is ever left
/// active without an incident that records it, and no incident claims a fault the app refused.
public enum Injection {
    /// Puts `spec` in force on the target, then opens the injected incident that records it, started at
    /// the app's own activation time, with the canonical fault, the target and the app's fault id. If the
    /// incident cannot be written, the fault is cleared again before the error is thrown.
    public static func inject(
        _ spec: FaultSpec, title: String?, service: String, severity: Severity, admin: AdminClient,
        store: any IncidentRepository, by author: String
    ) async throws -> IncidentDetail {
        let fault = try await admin.inject(spec)
        do {
            var draft = Incident(
                title: title ?? "Injected \(fault.spec.action.type.rawValue): \(fault.spec.text)", service: service,
                severity: severity, kind: .injected, fault: fault.spec.text,
                startedAt: Timestamp(milliseconds: fault.activatedAtMilliseconds))
            draft.target = admin.target
            draft.faultId = Int64(fault.id)
            return try await store.open(draft, by: author, now: .now)
        } catch {
            _ = try? await uncancelled { try await admin.clear(Int64(fault.id)) }
            throw error
        }
    }

    /// How a recorded fault ended.
    public enum Ending: Sendable, Equatable {
        /// Removed from the target now.
        case cleared(Timestamp)
        /// Gone already: its duration ran out at this time.
        case expired(Timestamp)
        /// Gone already, before its time: someone else cleared it, or the app restarted.
        case gone(Timestamp)
    }

    /// The admin client for the target incident `detail`'s fault was injected into, or an error saying
    /// why the incident has no fault to clear.
    public static func faultOf(_ detail: IncidentDetail) throws -> (target: String, faultId: Int64) {
        let incident = detail.incident
        guard let target = incident.target, let faultId = incident.faultId else {
            throw IncidentError.conflict(
                "incident #\(incident.id ?? 0) records no fault injected by `incident inject`; nothing to clear")
        }
        if let ended = detail.timeline.last(where: { $0.kind == .faultCleared || $0.kind == .faultExpired }) {
            throw IncidentError.conflict(
                "the fault of incident #\(incident.id ?? 0) ended already (\(ended.text), at \(ended.at))")
        }
        return (target, faultId)
    }

    /// Removes the fault incident `id` recorded from its target and writes how it ended on the timeline.
    public static func clear(
        _ detail: IncidentDetail, admin: AdminClient, store: any IncidentRepository, by author: String
    ) async throws -> (detail: IncidentDetail, ending: Ending) {
        let (_, faultId) = try faultOf(detail)
        let now = Timestamp.now
        let ending: Ending
        if try await admin.clear(faultId) != nil {
            ending = .cleared(now)
        } else {
            let expiry = detail.incident.fault.flatMap { try? FaultSpec(text: $0) }.map {
                detail.incident.startedAt.adding(seconds: $0.durationSeconds)
            }
            ending = expiry.map { $0 <= now ? .expired($0) : .gone(now) } ?? .gone(now)
        }
        let updated = try await store.update(detail.incident.id!, by: author, now: now) { update in
            switch ending {
            case .cleared(let at):
                update.record(.faultCleared, at: at, "fault cleared (fault \(faultId) on \(admin.target))")
            case .expired(let at):
                update.record(.faultExpired, at: at, "fault expired (#\(faultId) on \(admin.target))")
            case .gone(let at):
                update.record(
                    .faultCleared, at: at,
                    "fault already gone from \(admin.target) (#\(faultId)): cleared by "
                        + "someone else, or the app restarted")
            }
        }
        return (updated, ending)
    }
}
