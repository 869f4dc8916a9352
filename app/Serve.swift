import ArgumentParser
import Conventions
import FaultLab
import Foundation
import Logging

extension AppCommand {
    /// `app serve` (the default): runs the service until SIGTERM or SIGINT, then drains and exits 0.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Serve HTTP until SIGTERM or SIGINT.",
            discussion: """
                Settings come from the environment, flags win: APP_HOST, APP_PORT, APP_DATA (SQLite file), \
                APP_ADMIN_TOKEN (enables /admin), APP_LOG_LEVEL, APP_FAULTS (JSON list of faults in force at \
                start-up), APP_DRAIN_DELAY_S, APP_FAULT_INJECTION (on|off), APP_IDLE_TIMEOUT_S, \
                APP_HEADER_TIMEOUT_S, APP_MAX_FAULTS, APP_MAX_LEAK_MB, \
                APP_MAX_BURN_THREADS (caps on the faults in force together), APP_DATABASE_URL (postgres://… \
                URI: notes in PostgreSQL, shared by every replica, instead of APP_DATA), APP_DB_POOL_SIZE \
                (connections per replica, default 4) and APP_DB_POOL_TIMEOUT_MS (wait for one before a 503, \
                default 1000).

                Exit status: 0 after a clean stop, 64 bad setting, 69 cannot listen, 74 cannot open the data \
                file, or the code a crash fault asks for.
                """
        )

        @Option(help: "Address to listen on (APP_HOST, default 127.0.0.1).")
        var host: String?

        @Option(help: "Port to listen on, 0 for any free port (APP_PORT, default 8080).")
        var port: String?

        @Option(help: "SQLite file of the notes store (APP_DATA, default app.db).")
        var data: String?

        @Option(help: "trace, debug, info, notice, warning, error or critical (APP_LOG_LEVEL, default info).")
        var logLevel: String?

        @Option(help: "Seconds to keep serving after SIGTERM with readiness at 503 (APP_DRAIN_DELAY_S, default 2).")
        var drainDelay: String?

        func run() async throws {
            let configuration: AppConfiguration
            do {
                configuration = try self.configuration(environment: ProcessInfo.processInfo.environment)
            } catch {
                throw ExitCode(StandardError.fail("app", error))
            }
            LoggingSystem.bootstrap { _ in JSONLogHandler(level: configuration.logLevel) }
            let logger = Logger(label: "app")
            let service: FaultLabApplication
            do {
                service = try buildApplication(configuration, logger: logger)
            } catch {
                logger.critical(
                    "cannot open the data file", metadata: ["path": "\(configuration.dataPath)", "error": "\(error)"])
                throw ExitCode(StandardError.fail("app", error))
            }
            logger.notice(
                "starting",
                metadata: [
                    "version": "\(AppVersion.current)", "data": "\(configuration.dataPath)",
                    "fault_injection": "\(configuration.faultInjection)",
                    "admin_api": "\(configuration.adminToken != nil)",
                ])
            do {
                try await service.run()
            } catch {
                logger.critical("server failed", metadata: ["error": "\(error)"])
                guard let failure = error as? SystemError else {
                    // Not a listen failure (FaultLab turns those into errno): say what it was, invent no cause.
                    StandardError.print(
                        "app: error: cannot serve on \(configuration.host):\(configuration.port): \(error)")
                    throw ExitCode(ExitStatus.unavailable.rawValue)
                }
                throw ExitCode(StandardError.fail("app", ListenFailure(failure, setting: "--port or APP_PORT")))
            }
            logger.notice("stopped")
        }

        /// The environment's settings with this command's flags applied over them.
        func configuration(environment: [String: String]) throws(ConfigurationError) -> AppConfiguration {
            var configuration = try AppConfiguration(environment: environment)
            if let host { configuration.host = host }
            if let port { try configuration.setPort(port, source: "--port") }
            if let data { configuration.dataPath = data }
            if let logLevel { try configuration.setLogLevel(logLevel, source: "--log-level") }
            if let drainDelay { try configuration.setDrainDelay(drainDelay, source: "--drain-delay") }
            return configuration
        }
    }
}
