import Testing
@testable import TelemetryCore

@Suite("The catalog: every event and CLI alias")
struct CommandClassifierTests {
    static let rows: [([String], EventName, Bool)] = [
        (["dev", "start"], .startBegin, false),
        (["dev", "stop"], .stop, false),
        (["uninstall-plugin", "cfdev"], .uninstall, false),
        (["uninstall-plugin", "CFDev"], .uninstall, false),
        (["CLI-MESSAGE-UNINSTALL"], .uninstall, false),
        (["push", "app"], .appCreated, true),
        (["p", "app"], .appCreated, true),
        (["create-route", "example.com", "--hostname", "h"], .routeCreated, true),
        (["dev", "deploy-service", "mysql"], .deployedService, false),
        (["create-service", "p-mysql", "small", "db"], .serviceCreated, true),
        (["cs", "p-mysql", "small", "db"], .serviceCreated, true),
        (["create-user-provided-service", "ups"], .userProvidedServiceCreated, true),
        (["cups", "ups", "-p", "{\"password\":\"x\"}"], .userProvidedServiceCreated, true),
        (["bind-service", "app", "db"], .appBoundToService, true),
        (["bs", "app", "db"], .appBoundToService, true),
        (["restage", "app"], .appRestage, true),
        (["rg", "app"], .appRestage, true),
        (["create-org", "o"], .orgCreated, true),
        (["co", "o"], .orgCreated, true),
        (["create-space", "s"], .spaceCreated, true),
        (["csp", "s"], .spaceCreated, true),
        (["create-user", "u", "pw"], .userCreated, true),
        (["dev", "bosh", "env"], .bosh, false),
    ]

    @Test("each catalog command maps to its event", arguments: rows.indices)
    func mapsRow(_ index: Int) {
        let (arguments, event, needsTarget) = Self.rows[index]
        guard case .tracked(let command) = CommandClassifier.classify(arguments) else {
            Issue.record("\(arguments) was not tracked")
            return
        }
        #expect(command.event == event)
        #expect(command.requiresCFDevTarget == needsTarget)
    }

    @Test("the catalog covers every event the shim records from a command")
    func everyCommandEventIsReachable() {
        let reachable = Set(Self.rows.map(\.1))
        let derived: Set<EventName> = [.startEnd, .error, .telemetryOff]
        #expect(reachable.union(derived) == Set(EventName.allCases))
    }

    @Test(
        "other commands pass through",
        arguments: [
            [], ["apps"], ["dev"], ["dev", "version"], ["uninstall-plugin", "other"], ["login", "-p", "secret"],
            ["delete", "app"], ["help", "push"], ["--version"],
        ])
    func passThrough(_ arguments: [String]) {
        #expect(CommandClassifier.classify(arguments) == .passThrough)
    }

    @Test("cf dev telemetry is the shim's own command")
    func telemetryCommand() {
        #expect(CommandClassifier.classify(["dev", "telemetry"]) == .telemetry(.status))
        #expect(CommandClassifier.classify(["dev", "telemetry", "--on"]) == .telemetry(.on))
        #expect(CommandClassifier.classify(["dev", "telemetry", "--off"]) == .telemetry(.off))
        if case .telemetry(.invalid) = CommandClassifier.classify(["dev", "telemetry", "--maybe"]) {
        } else {
            Issue.record("an unknown telemetry flag must be rejected")
        }
    }

    @Test("start keeps sizes, known services and flag names, never paths or registries")
    func startData() {
        guard
            case .tracked(let command) = CommandClassifier.classify(
                ["dev", "start", "-m", "8192", "-c", "4", "-s", "mysql,secret-svc", "-f", "/home/me/secret.iso", "-r", "host.corp:5000"])
        else { Issue.record("not tracked"); return }
        #expect(command.data["memory_mb"] == .int(8192))
        #expect(command.data["cpus"] == .int(4))
        #expect(command.data["services"] == .strings(["mysql"]))
        #expect(command.data["flags"] == .strings(["cpus", "file", "memory", "registries", "services"]))
        #expect(command.namesToHash.isEmpty)
        let text = JSONText.object(command.data)
        #expect(!text.contains("secret"))
        #expect(!text.contains("corp"))
    }

    @Test("create-user keeps only the user name, to hash; the password is dropped")
    func createUserDropsPassword() {
        guard case .tracked(let command) = CommandClassifier.classify(["create-user", "alice", "hunter2"]) else {
            Issue.record("not tracked"); return
        }
        #expect(command.namesToHash == ["user_hash": "alice"])
        let data = command.recordedData(hasher: NameHasher(salt: [1, 2, 3]))
        let text = JSONText.object(data)
        #expect(!text.contains("alice"))
        #expect(!text.contains("hunter2"))
        #expect(data["user_hash"] == .string(NameHasher(salt: [1, 2, 3]).hash("alice")))
    }

    @Test("cups -p JSON credentials are reduced to the flag name")
    func cupsCredentials() {
        guard
            case .tracked(let command) = CommandClassifier.classify(
                ["cups", "my-db", "-p", "{\"password\":\"pa55\",\"uri\":\"mysql://u:pw@h/db\"}", "-l", "syslog://u:pw@h"])
        else { Issue.record("not tracked"); return }
        #expect(command.data == ["flags": .strings(["credentials", "syslog-drain-url"])])
        #expect(command.namesToHash == ["instance_hash": "my-db"])
    }

    @Test("push sizes are normalised to megabytes")
    func pushSizes() {
        guard case .tracked(let command) = CommandClassifier.classify(["push", "app", "-m", "1G", "-k", "512M", "-i", "3", "-p", "/src"]) else {
            Issue.record("not tracked"); return
        }
        #expect(command.data["memory_mb"] == .int(1024))
        #expect(command.data["disk_mb"] == .int(512))
        #expect(command.data["instances"] == .int(3))
        #expect(command.namesToHash == ["app_hash": "app"])
        #expect(!JSONText.object(command.data).contains("/src"))
    }

    @Test("a service offering outside CF Dev's list is not sent")
    func serviceOffering() {
        guard case .tracked(let known) = CommandClassifier.classify(["cs", "p-mysql", "1gb", "db"]),
            case .tracked(let unknown) = CommandClassifier.classify(["cs", "acme-internal-db", "gold", "db"])
        else { Issue.record("not tracked"); return }
        #expect(known.data["service"] == .string("p-mysql"))
        #expect(unknown.data["service"] == nil)
        #expect(unknown.namesToHash == ["instance_hash": "db"])
    }
}

@Suite("The CF Dev target rule")
struct CFTargetTests {
    @Test func matchesConfiguredHosts() {
        let hosts = TelemetrySettings().cfdevAPIHosts
        #expect(CFTarget.isCFDev(target: "https://api.dev.cfdev.sh", hosts: hosts))
        #expect(CFTarget.isCFDev(target: "https://API.DEV.CFDEV.SH:443/", hosts: hosts))
        #expect(CFTarget.isCFDev(target: "https://api.v3.pcfdev.io", hosts: hosts))
        #expect(CFTarget.isCFDev(target: "api.dev.cfdev.sh", hosts: hosts))
        #expect(!CFTarget.isCFDev(target: "https://api.run.pivotal.io", hosts: hosts))
        #expect(!CFTarget.isCFDev(target: "https://api.dev.cfdev.sh.evil.com", hosts: hosts))
        #expect(!CFTarget.isCFDev(target: "", hosts: hosts))
    }
}
