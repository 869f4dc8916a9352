import PostgresSupport

/// Opens the store a location names: a PostgreSQL server for a `postgres://` URI, else an SQLite file.
public enum Stores {
    /// The store for the `db` commands. `ifMissing` says what to do when an SQLite file does not exist yet.
    public static func maintenance(of location: String, ifMissing: IncidentStore.MissingFile) async throws
        -> any StoreMaintenance
    {
        if PostgresAddress.isAddress(location) { return try await PostgresStore(address: location) }
        return try IncidentStore.open(path: location, ifMissing: ifMissing)
    }
}
