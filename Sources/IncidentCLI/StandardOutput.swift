// `stdout` is a C global that Swift 6 refuses to read outside an actor unless its module is imported
// `@preconcurrency`, which only works in a file that does not import Foundation first.
@preconcurrency import Glibc

extension Output {
    /// Writes out what `print` buffered; false if standard output could not take it (a full disk behind
    /// `> file`), which `print` itself never reports.
    static func flushStandardOutput() -> Bool {
        fflush(stdout) == 0 && ferror(stdout) == 0
    }
}
