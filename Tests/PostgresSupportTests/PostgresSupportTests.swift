import Foundation
import Testing

@testable import PostgresSupport

struct PostgresAddressTests {
    /// The passwords `passwordRanges(in:)` finds in `uri`.
    func passwords(_ uri: String) -> [String] {
        let bytes = Array(uri.utf8)
        return PostgresAddress.passwordRanges(in: bytes).map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    @Test func passwordsAreFoundAfterTheUserAndInParameters() {
        #expect(passwords("postgres://eve:s3cret@db:5432/incidents") == ["s3cret"])
        #expect(passwords("postgresql://eve:p%40ss@db/x?sslmode=require&password=other") == ["p%40ss", "other"])
        #expect(passwords("postgres://eve@db/x?password=only") == ["only"])
        #expect(passwords("postgres://eve@h1:5432,h2:5433/x") == [], "a multi-host URI without a password")
        #expect(passwords("postgres://eve:@db/x") == [], "an empty password is nothing to hide")
        #expect(passwords("postgres:///incidents?host=/run/postgresql") == [])
        #expect(passwords("incidents.db") == [])
    }

    @Test func messagesNeverQuoteAPasswordBack() {
        let address = "postgres://eve:s3cret@db/x?password=hunter2"
        #expect(
            PostgresAddress.redacting("invalid value s3cret and hunter2", address: address)
                == "invalid value *** and ***")
    }

    @Test func onlyPostgresURIsAreServerAddresses() {
        #expect(PostgresAddress.isAddress("postgres://db/x") && PostgresAddress.isAddress("PostgreSQL://db/x"))
        #expect(!PostgresAddress.isAddress("postgres.db") && !PostgresAddress.isAddress("/tmp/postgres://x"))
    }
}

struct PostgresErrorTests {
    @Test(arguments: [
        ("08006", PostgresError.Kind.unavailable), ("57P01", .unavailable), ("28P01", .refused), ("28000", .refused),
        ("3D000", .missingDatabase), ("40001", .retryable), ("40P01", .retryable), ("23505", .constraint),
        ("53100", .other), ("42P01", .other),
    ])
    func serverErrorsAreSortedBySQLState(sqlstate: String, kind: PostgresError.Kind) {
        #expect(PostgresError.kind(ofSQLState: sqlstate) == kind)
    }

    @Test(arguments: [
        (#"connection to server at "127.0.0.1", port 1 failed: Connection refused"#, PostgresError.Kind.unavailable),
        (#"could not translate host name "nowhere" to address: Name or service not known"#, .unavailable),
        ("timeout expired", .unavailable),
        (#"port 5432 failed: FATAL:  password authentication failed for user "eve""#, .refused),
        (#"FATAL:  role "nobody" does not exist"#, .refused),
        (#"FATAL:  no pg_hba.conf entry for host "127.0.0.1", user "eve", database "x", no encryption"#, .refused),
        (#"fe_sendauth: no password supplied"#, .refused),
        (#"FATAL:  database "nothere" does not exist"#, .missingDatabase),
        (#"invalid integer value "abc" for connection option "port""#, .invalidAddress),
        (#"invalid sslmode value: "bogus""#, .invalidAddress),
        (#"extra key/value separator "=" in URI query parameter: "options""#, .invalidAddress),
        (
            #"end of string reached when looking for matching "]" in IPv6 host address in URI: "postgres://[::1/x""#,
            .invalidAddress
        ),
        (
            #"connection to server at "127.0.0.1", port 5432 failed: FATAL:  invalid value for parameter "x""#,
            .unavailable
        ),
    ])
    func connectionFailuresAreSortedByTheirMessage(message: String, kind: PostgresError.Kind) {
        #expect(PostgresError.kind(ofConnectionFailure: message) == kind)
    }

    @Test func libpqMessagesBecomeOneLine() {
        #expect(
            PostgresError.oneLine("connection failed: FATAL:  Connection refused\n\tIs the server running?\n")
                == "connection failed: FATAL: Connection refused; Is the server running?")
    }
}
