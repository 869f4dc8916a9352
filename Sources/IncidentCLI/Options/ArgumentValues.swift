import ArgumentParser
import GameDay
import IncidentKit

/// A vocabulary read from the command line by its lowercase raw values, in any case: `SEV2` is `sev2`, as
/// service names fold case too.
protocol CaseFoldedArgument: ExpressibleByArgument, RawRepresentable where RawValue == String {}

extension CaseFoldedArgument {
    public init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }
}

// The model's vocabularies.
extension Severity: CaseFoldedArgument {}
extension IncidentKind: CaseFoldedArgument {}
extension IncidentStatus: CaseFoldedArgument {}
extension ActionKind: CaseFoldedArgument {}
extension IncidentField: CaseFoldedArgument {}
extension ReportPeriod: CaseFoldedArgument {}
extension DeployResult: CaseFoldedArgument {}
extension TransferFormat: CaseFoldedArgument {}
extension Scenario.ReplicaScope: CaseFoldedArgument {}
