import Foundation

/// The operations the `incident` commands need from a store of incidents. ``IncidentStore`` keeps them in
/// SQLite; another store (PostgreSQL, for teams that outgrow one machine) conforms to this protocol, and the
/// commands and the lifecycle rules work on it unchanged.
///
/// Each method is one transaction: it changes everything it should or nothing. Methods are `async` so that
/// a server in the same process never blocks its threads while another writer holds the database.
public protocol IncidentRepository: Sendable {
    /// Records a new incident and its `opened` timeline entry, after checking its fields and times.
    func open(_ draft: Incident, by author: String, now: Timestamp) async throws -> IncidentDetail

    /// Applies `change` to incident `id` in one transaction, after checking the times it leaves behind; the
    /// lifecycle steps (``detect(_:at:via:by:now:)`` and the others) are made of it.
    func update(
        _ id: Int64, by author: String, now: Timestamp,
        _ change: @Sendable (inout IncidentUpdate) throws -> Void
    ) async throws -> IncidentDetail

    /// The ongoing incident (not mitigated, resolved or cancelled, started no later than `at`) a detector
    /// working in `scope` speaks for: injected ones first, then the most recently started.
    func ongoingIncident(_ scope: DetectorScope, at: Timestamp) async throws -> IncidentDetail?

    /// Records what a detector (a prober) found in `scope` at `at`: the ongoing incident of the scope (see
    /// ``ongoingIncident(_:at:)``) is marked detected `via`, at `at`, unless it was detected already. With
    /// none, a real incident of the scope is opened, started at `startedAt` and detected at `at`, titled
    /// `title`, with `note` on its timeline.
    func recordDetection(
        _ scope: DetectorScope, via: String, at: Timestamp, startedAt: Timestamp, title: String, note: String?,
        by author: String, now: Timestamp
    ) async throws -> DetectionRecord

    /// Records an alert from Alertmanager and what it means for the incidents of its service, once: the same
    /// notification again (same fingerprint, start and status) changes nothing. A firing alert detects the
    /// open, undetected incident of its service (injected first, then the most recently started) at its
    /// `startsAt`; is noted on an open incident already detected; is a late detection (a timeline event;
    /// `detected_at` stays unset) of an incident that recovered undetected within `lateWindow` seconds
    /// before it, when no alert of its name was late on it before; or else opens a real incident started and
    /// detected at its `startsAt`, with a note naming the incident that recovered within `lateWindow` before
    /// it, whose failure may be returning. A resolved alert is
    /// a note on the incident its firing went to: it never records recovery by itself.
    func recordAlert(_ notice: AlertNotice, lateWindow: Double, by author: String, now: Timestamp) async throws -> Alert

    /// Adds incidents made from outside records (a Chaos Toolkit journal, CI runs), with new ids, each
    /// checked as an import checks it; one whose source key is stored already is skipped, so importing the
    /// same record twice adds it once. All or nothing.
    func add(_ details: [IncidentDetail], now: Timestamp) async throws -> AddSummary

    /// Records finished CI runs in the order they finished, whatever their order in `runs`, keeping one
    /// incident per unbroken streak of failing runs of a workflow on a branch (docs/contract.md, "Pipelines"):
    /// a failing run opens an incident when none is open for its workflow and branch, and joins the open one
    /// otherwise, as do cancelled and skipped runs; a successful run resolves the open one, also when an
    /// earlier call opened it. A run recorded before (by its ``PipelineRun/source``) is skipped, and so is a
    /// run that finished before the newest one recorded for its workflow and branch, which would rewrite
    /// history already recorded. All or nothing; the outcomes are in the order the runs finished.
    func recordRuns(_ runs: [PipelineRun], by author: String, now: Timestamp) async throws -> [PipelineRunOutcome]

    /// Closes an action item as `done` or `dropped`, noting it on its incident's timeline.
    func closeAction(
        _ actionId: Int64, as status: ActionStatus, reason: String?, at: Timestamp, by author: String,
        now: Timestamp
    ) async throws -> ActionItem

    /// One incident with its timeline (oldest first) and action items.
    func detail(_ id: Int64) async throws -> IncidentDetail

    /// Incidents matching `filter`, newest first.
    func list(_ filter: IncidentFilter) async throws -> [Incident]

    /// The incidents ``list(_:)`` returns, given to `body` one at a time, so that memory does not grow with
    /// the history.
    func list(_ filter: IncidentFilter, each body: @Sendable (Incident) throws -> Void) async throws

    /// The incidents that injected a fault into `target` (`incident inject`) whose end is not on record yet,
    /// oldest first.
    func injectedFaults(target: String) async throws -> [IncidentDetail]

    /// Action items, oldest first; only those still open when `openOnly` is set.
    func actions(openOnly: Bool, incident: Int64?) async throws -> [ActionItem]

    /// Every figure of `incident report`.
    func report(_ request: ReportRequest) async throws -> MetricsReport

    /// Writes every incident, oldest id first, with its timeline and action items; `write` receives one line
    /// (without its newline) at a time, so memory does not grow with the history.
    func export(_ format: TransferFormat, write: @Sendable (String) throws -> Void) async throws

    /// Imports the incidents in `lines`, all or nothing; with `dryRun` every record is checked and nothing
    /// is written. Bad records are reported together, each with its line in `source`.
    func importRecords(_ lines: FileLines, as format: TransferFormat, source: String, dryRun: Bool) async throws
        -> ImportSummary
}

/// What the `db` commands need of a store, whichever engine holds it (``Stores/maintenance(of:ifMissing:)``).
public protocol StoreMaintenance: Sendable {
    /// Creates the store's schema, or migrates it to this version of `incident`, and returns what it holds.
    func initialize() async throws -> DatabaseHealth

    /// The integrity checks of the store and what it holds.
    func check() async throws -> DatabaseHealth

    /// Copies the whole store to the new file `destination`, consistently while others write, and returns
    /// what the copy holds.
    func backup(to destination: String) async throws -> DatabaseHealth
}

/// The incidents one detector speaks for: those of its service whose recorded target is the one it
/// watches, or that record no target (a real incident opened by hand or by an alert). A prober pointed at
/// another app, or at a dead address, never touches an incident injected elsewhere.
public struct DetectorScope: Sendable, Equatable {
    public var service: String
    /// The base URL the detector watches; nil to match every target of the service.
    public var target: String?

    public init(service: String, target: String?) {
        self.service = service
        self.target = target
    }
}

/// What a detector's finding did to the store.
public struct DetectionRecord: Sendable {
    /// What happened to the incident.
    public enum Outcome: Sendable, Equatable {
        /// The ongoing, undetected incident of the scope is detected now.
        case detected
        /// The ongoing incident of the scope had been detected already (by an alert, another prober): it is
        /// unchanged.
        case alreadyDetected
        /// No incident was ongoing: a real one was opened.
        case opened
    }

    /// The incident it was recorded on.
    public var detail: IncidentDetail
    public var outcome: Outcome

    public init(detail: IncidentDetail, outcome: Outcome) {
        self.detail = detail
        self.outcome = outcome
    }
}

/// What ``IncidentRepository/add(_:now:)`` did.
public struct AddSummary: Sendable, Equatable {
    /// The ids of the incidents added, in order.
    public var added: [Int64] = []
    /// The ids of the incidents already stored from the same sources.
    public var known: [Int64] = []

    public init(added: [Int64] = [], known: [Int64] = []) {
        self.added = added
        self.known = known
    }
}

/// What ``IncidentRepository/recordRuns(_:by:now:)`` did with one run.
public struct PipelineRunOutcome: Sendable, Equatable {
    public enum Effect: Sendable, Equatable {
        /// It failed with no streak open: it opened ``PipelineRunOutcome/incident``.
        case opened
        /// It joined the open streak's incident: failing again, cancelled or skipped.
        case added
        /// It succeeded and ended the streak: the incident was resolved.
        case resolved
        /// It did not fail and no streak was open: nothing to record.
        case unrecorded
        /// It was recorded before, on ``PipelineRunOutcome/incident``.
        case known
        /// It finished before the newest run recorded for its workflow and branch: skipped.
        case older
    }

    public var run: PipelineRun
    public var effect: Effect
    /// The incident the run was recorded on.
    public var incident: Int64?

    public init(run: PipelineRun, effect: Effect, incident: Int64? = nil) {
        self.run = run
        self.effect = effect
        self.incident = incident
    }
}
