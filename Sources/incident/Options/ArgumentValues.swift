import ArgumentParser
import IncidentKit

// The model's vocabularies, read from the command line by their raw values.
extension Severity: ExpressibleByArgument {}
extension IncidentKind: ExpressibleByArgument {}
extension IncidentStatus: ExpressibleByArgument {}
extension ActionKind: ExpressibleByArgument {}
extension IncidentField: ExpressibleByArgument {}
extension ReportPeriod: ExpressibleByArgument {}
extension TransferFormat: ExpressibleByArgument {}
