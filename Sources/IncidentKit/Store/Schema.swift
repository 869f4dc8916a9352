import GRDB

/// The database schema, built only through migrations. A shipped migration is never edited: change the
/// schema by registering a new one at the end.
enum Schema {
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 incidents, timeline, action items") { db in
            try db.execute(
                sql: """
                    CREATE TABLE incident (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        title TEXT NOT NULL CHECK (length(title) > 0),
                        service TEXT NOT NULL DEFAULT 'app',
                        severity TEXT NOT NULL DEFAULT 'sev3' CHECK (severity IN ('sev1','sev2','sev3','sev4')),
                        kind TEXT NOT NULL CHECK (kind IN ('injected','real')),
                        fault TEXT,
                        started_at INTEGER NOT NULL,
                        detected_at INTEGER,
                        acknowledged_at INTEGER,
                        mitigated_at INTEGER,
                        resolved_at INTEGER,
                        detection TEXT,
                        cause TEXT,
                        cause_category TEXT,
                        fix TEXT,
                        summary TEXT,
                        impact TEXT,
                        "trigger" TEXT,
                        lessons TEXT,
                        cancelled BOOLEAN NOT NULL DEFAULT 0,
                        cancel_reason TEXT
                    );
                    CREATE INDEX incident_started ON incident(started_at, id);
                    CREATE INDEX incident_service_started ON incident(service, started_at);

                    CREATE TABLE timeline_event (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        incident_id INTEGER NOT NULL REFERENCES incident(id) ON DELETE CASCADE,
                        at INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        text TEXT NOT NULL,
                        author TEXT NOT NULL,
                        recorded_at INTEGER NOT NULL
                    );
                    CREATE INDEX timeline_event_incident ON timeline_event(incident_id, at);

                    CREATE TABLE action_item (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        incident_id INTEGER NOT NULL REFERENCES incident(id) ON DELETE CASCADE,
                        title TEXT NOT NULL CHECK (length(title) > 0),
                        kind TEXT NOT NULL CHECK (kind IN ('prevent','detect','mitigate','process')),
                        owner TEXT,
                        due TEXT,
                        url TEXT,
                        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','done','dropped')),
                        created_at INTEGER NOT NULL,
                        closed_at INTEGER,
                        close_reason TEXT
                    );
                    CREATE INDEX action_item_incident ON action_item(incident_id);
                    CREATE INDEX action_item_status ON action_item(status);
                    """)
        }
        migrator.registerMigration("v2 faults in their canonical form") { db in
            // Faults used to be stored as typed. Each becomes the canonical text of the app's fault catalog,
            // or, when the catalog does not know it (a typo, a failure injected another way), `other: TEXT`,
            // so that the report has one row per fault type. The timeline keeps the text as it was typed.
            for row in try Row.fetchAll(db, sql: "SELECT id, fault FROM incident WHERE fault IS NOT NULL") {
                let typed: String = row["fault"]
                let canonical =
                    (try? IncidentFault.canonical(typed)) ?? (try? IncidentFault.other(typed)) ?? "other: (unreadable)"
                if canonical != typed {
                    try db.execute(
                        sql: "UPDATE incident SET fault = ? WHERE id = ?", arguments: [canonical, row["id"]])
                }
            }
        }
        migrator.registerMigration("v3 injection targets and sources") { db in
            try db.execute(
                sql: """
                    ALTER TABLE incident ADD COLUMN target TEXT;
                    ALTER TABLE incident ADD COLUMN fault_id INTEGER;
                    CREATE TABLE incident_source (
                        key TEXT PRIMARY KEY NOT NULL CHECK (length(key) > 0),
                        incident_id INTEGER NOT NULL REFERENCES incident(id) ON DELETE CASCADE
                    );
                    CREATE INDEX incident_source_incident ON incident_source(incident_id);
                    CREATE INDEX incident_target_fault ON incident(target, fault_id);
                    """)
        }
        migrator.registerMigration("v4 alerts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE alert (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        fingerprint TEXT NOT NULL,
                        name TEXT NOT NULL,
                        service TEXT NOT NULL,
                        status TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
                        starts_at INTEGER NOT NULL,
                        ends_at INTEGER,
                        labels TEXT NOT NULL,
                        annotations TEXT NOT NULL,
                        received_at INTEGER NOT NULL,
                        incident_id INTEGER REFERENCES incident(id) ON DELETE SET NULL,
                        outcome TEXT NOT NULL,
                        UNIQUE (fingerprint, starts_at, status)
                    );
                    CREATE INDEX alert_incident ON alert(incident_id);
                    """)
        }
        migrator.registerMigration("v5 pipeline runs") { db in
            // The CI runs recorded on pipeline incidents, read from their source keys
            // (`gh-run:ID#ATTEMPT@BRANCH`, see PipelineRun.source), so that export and import carry them
            // like any source. It also marks the file as holding `pipeline_run` timeline entries, which an
            // older incident would not know how to read.
            try db.execute(
                sql: """
                    CREATE VIEW pipeline_run AS
                    SELECT incident_source.key AS key, incident_id, incident.service AS service,
                           substr(incident_source.key, instr(incident_source.key, '@') + 1) AS branch
                    FROM incident_source JOIN incident ON incident.id = incident_source.incident_id
                    WHERE incident_source.key GLOB 'gh-run:*';
                    """)
        }
        migrator.registerMigration("v6 decision records") { db in
            try db.execute(
                sql: """
                    CREATE TABLE decision (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        title TEXT NOT NULL CHECK (length(title) > 0),
                        context TEXT NOT NULL,
                        chosen INTEGER NOT NULL CHECK (chosen >= 1),
                        rationale TEXT NOT NULL,
                        revisit TEXT,
                        decided_at INTEGER NOT NULL,
                        author TEXT NOT NULL,
                        superseded_by INTEGER REFERENCES decision(id),
                        superseded_at INTEGER
                    );
                    CREATE TABLE decision_option (
                        decision_id INTEGER NOT NULL REFERENCES decision(id) ON DELETE CASCADE,
                        position INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        time TEXT NOT NULL,
                        cost TEXT NOT NULL,
                        reliability TEXT NOT NULL,
                        PRIMARY KEY (decision_id, position)
                    );
                    CREATE TABLE decision_consequence (
                        decision_id INTEGER NOT NULL REFERENCES decision(id) ON DELETE CASCADE,
                        position INTEGER NOT NULL,
                        text TEXT NOT NULL,
                        PRIMARY KEY (decision_id, position)
                    );
                    CREATE TABLE decision_incident (
                        decision_id INTEGER NOT NULL REFERENCES decision(id) ON DELETE CASCADE,
                        incident_id INTEGER NOT NULL REFERENCES incident(id),
                        PRIMARY KEY (decision_id, incident_id)
                    );
                    CREATE INDEX decision_incident_incident ON decision_incident(incident_id);
                    CREATE TABLE decision_slo (
                        decision_id INTEGER NOT NULL REFERENCES decision(id) ON DELETE CASCADE,
                        slo TEXT NOT NULL,
                        PRIMARY KEY (decision_id, slo)
                    );
                    """)
        }
        migrator.registerMigration("v7 deploys") { db in
            // Releases reaching production, and the deploy an incident names as its cause (docs/contract.md,
            // "Deploys"): the report's four keys are computed from both.
            try db.execute(
                sql: """
                    CREATE TABLE deploy (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        service TEXT NOT NULL CHECK (length(service) > 0),
                        version TEXT NOT NULL CHECK (length(version) > 0),
                        commit_sha TEXT,
                        committed_at INTEGER,
                        deployed_at INTEGER NOT NULL,
                        result TEXT NOT NULL CHECK (result IN ('succeeded','failed','rolled-back')),
                        strategy TEXT,
                        notes TEXT,
                        source TEXT UNIQUE,
                        author TEXT NOT NULL,
                        recorded_at INTEGER NOT NULL,
                        CHECK (committed_at IS NULL OR committed_at <= deployed_at)
                    );
                    CREATE INDEX deploy_service_deployed ON deploy(service, deployed_at);
                    CREATE INDEX deploy_deployed ON deploy(deployed_at, id);
                    ALTER TABLE incident ADD COLUMN caused_by INTEGER REFERENCES deploy(id);
                    CREATE INDEX incident_caused_by ON incident(caused_by);
                    """)
        }
        migrator.registerMigration("v8 chaos experiments") { db in
            // Every draw of `incident chaos run`: run (an injected incident), halted or skipped, with the reason
            // (docs/contract.md, "Chaos").
            try db.execute(
                sql: """
                    CREATE TABLE chaos_experiment (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        pool TEXT NOT NULL CHECK (length(pool) > 0),
                        service TEXT NOT NULL CHECK (length(service) > 0),
                        name TEXT NOT NULL CHECK (length(name) > 0),
                        fault TEXT NOT NULL,
                        scope TEXT NOT NULL,
                        hold_s REAL NOT NULL,
                        started_at INTEGER NOT NULL,
                        ended_at INTEGER,
                        outcome TEXT NOT NULL CHECK (outcome IN ('running','completed','halted','skipped')),
                        reason TEXT,
                        incident_id INTEGER REFERENCES incident(id),
                        author TEXT NOT NULL,
                        CHECK (ended_at IS NULL OR ended_at >= started_at)
                    );
                    CREATE INDEX chaos_experiment_pool_started ON chaos_experiment(pool, started_at);
                    CREATE INDEX chaos_experiment_incident ON chaos_experiment(incident_id);
                    """)
        }
        return migrator
    }()
}
