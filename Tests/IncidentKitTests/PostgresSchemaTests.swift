import Testing

@testable import IncidentKit

struct PostgresSchemaTests {
    @Test func bothEnginesHaveTheSameMigrationsInTheSameOrder() {
        #expect(PostgresSchema.migrations.map(\.identifier) == Schema.migrator.migrations)
    }

    @Test func everyTableTheCheckExpectsIsMadeByAMigration() {
        let script = PostgresSchema.migrations.map(\.sql).joined(separator: "\n")
        for table in PostgresSchema.tables {
            #expect(script.contains("CREATE TABLE \(table) ("), "\(table)")
        }
    }
}
