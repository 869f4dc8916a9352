import Foundation
import GameDay
import IncidentKit
import TestSupport
import Testing

struct ScenarioTests {
    func read(_ text: String) throws -> Scenario {
        let directory = try TemporaryDirectory()
        let file = directory.path("scenario.yaml")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return try Scenario.read(file: file)
    }

    @Test func stepsTakeTheirDefaultsAndEitherFormOfFault() throws {
        let scenario = try read(
            """
            name: two faults
            defaults: {hold: 1m, detect_within: 90, category: drill}
            steps:
              - fault: latency ms=800 route=/api/*
                hold: 500ms
                prevent: [alert on p99]
              - name: JSON body
                fault: {type: error, status: 503, probability: 0.5}
                severity: sev1
            """)
        #expect(scenario.name == "two faults" && scenario.service == "app")
        #expect(
            scenario.steps.map(\.text) == [
                "latency ms=800 jitter_ms=0 route=/api/*", "error status=503 probability=0.5",
            ])
        #expect(scenario.steps.map(\.hold) == [0.5, 60])
        #expect(scenario.steps.map(\.detectWithin) == [90, 90])
        #expect(scenario.steps.map(\.recoverWithin) == [30, 30])
        #expect(scenario.steps[0].prevent == ["alert on p99"] && scenario.steps[1].category == "drill")
        #expect(scenario.steps[1].severity == .sev1 && scenario.steps[1].name == "JSON body")
        #expect(scenario.steps.map(\.replicas) == [.all, .all], "every replica unless a step says otherwise")
    }

    @Test func stepsSayWhichReplicasTheyBreakOrTakeTheDefault() throws {
        let scenario = try read(
            """
            defaults: {replicas: 1}
            steps:
              - fault: abort
              - {fault: crash, replicas: all}
              - {fault: abort, replicas: ALL}
            """)
        #expect(scenario.steps.map(\.replicas) == [.one, .all, .all])
    }

    @Test func deployStepsNameTheReleaseTheStrategyAndTheDeployOptions() throws {
        let scenario = try read(
            """
            defaults: {strategy: canary, deploy_options: "--canary-share 0.05  --bake 30", hold: 9s}
            steps:
              - deploy: crash-loop
              - {deploy: examples/releases/failing-route.env, strategy: ROLLING, deploy_options: ""}
              - fault: abort
            """)
        #expect(
            scenario.steps.map(\.text) == [
                "deploy: crash-loop (canary)", "deploy: examples/releases/failing-route.env (rolling)", "abort",
            ])
        #expect(scenario.steps[0].fault == nil && scenario.steps[0].name == "step 1: deploy crash-loop")
        guard case .deploy(let first) = scenario.steps[0].breakage,
            case .deploy(let second) = scenario.steps[1].breakage
        else {
            Issue.record("the first two steps are deploys")
            return
        }
        #expect(first.options == ["--canary-share", "0.05", "--bake", "30"])
        #expect(second.strategy == .rolling && second.options.isEmpty)
        #expect(scenario.steps[2].hold == 9, "a default hold applies to the fault steps")
        #expect(try IncidentFault.canonical(first.text) == first.text, "the incident records the step's text as is")
        #expect(IncidentFault.type(of: first.text) == "deploy")
    }

    @Test(arguments: [
        (
            "steps:\n  - fault: latency ms=800\n    hodl: 5s\n",
            "scenario.yaml:3: steps[0].hodl: unknown or unsupported key"
        ),
        (
            "steps:\n  - fault: latncy ms=5\n",
            "scenario.yaml:2: steps[0].fault: field 'type': unknown fault type 'latncy'"
        ),
        (
            "steps:\n  - fault: error\n    hold: soon\n",
            "scenario.yaml:3: steps[0].hold: hold 'soon' is not a length of time"
        ),
        ("steps:\n  - fault: error\n    hold: 2h\n", "is not a length of time from 100 ms to 1 h"),
        ("steps:\n  - fault: error\n    detect_within: 0s\n", "steps[0].detect_within: detect_within '0s'"),
        ("name: x\n", "steps: is required"),
        ("steps: [\n", "scenario.yaml:2: not valid YAML or JSON"),
        ("service: two words\nsteps:\n  - fault: abort\n", "service: the service 'two words' is not one word"),
        ("steps:\n  - fault: [abort]\n", "steps[0].fault: must be text"),
        ("", "the file is empty"),
        (
            "steps:\n  - fault: abort\n    replicas: 2\n",
            "scenario.yaml:3: steps[0].replicas: must be 1 (the first replica) or all, not '2'"
        ),
        ("steps:\n  - deploy: crash-loop\n    fault: abort\n", "steps[0].fault: a step has a fault or a deploy"),
        ("steps:\n  - deploy: crash-loop\n    hold: 5s\n", "steps[0].hold: does not apply to a deploy step"),
        ("steps:\n  - deploy: crash-loop\n    replicas: 1\n", "steps[0].replicas: does not apply to a deploy"),
        ("steps:\n  - deploy: crash-loop\n    strategy: blue-green\n", "must be rolling or canary, not 'blue-green'"),
        ("steps:\n  - fault: abort\n    strategy: canary\n", "steps[0].strategy: applies to a deploy step only"),
        ("steps:\n  - deploy: ''\n", "steps[0].deploy: is required"),
        ("steps:\n  - deploy: --json\n", "steps[0].deploy: must name a release"),
        (
            "steps:\n  - deploy: good\n    deploy_options: --json --bake 3\n",
            "steps[0].deploy_options: cannot hold --json: the game day gives it"
        ),
    ])
    func malformedScenariosAreRefusedWithFileLineAndKey(text: String, message: String) {
        #expect {
            try read(text)
        } throws: { error in
            (error as? IncidentError)?.exitCode == 65 && "\(error)".contains(message)
        }
    }

    @Test func aJSONScenarioMustBeJSON() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path("scenario.json")
        try #"{"steps": [{"fault": "abort"},]}"#.write(toFile: file, atomically: true, encoding: .utf8)
        #expect {
            try Scenario.read(file: file)
        } throws: { error in
            (error as? IncidentError)?.exitCode == 65 && "\(error)".contains("scenario.json:1: a trailing comma")
        }
        try #"{"steps": [{"fault": "abort"}]}"#.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try Scenario.read(file: file).steps.count == 1)
    }
}
