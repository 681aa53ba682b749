import Foundation
import TelemetryCore
import TelemetryRules
import TelemetryTestSupport
@testable import TelemetryStore
import Testing

/// The product deployed as the team ships it: binaries in a package's `bin/` beside an
/// `etc/cfdev-telemetry/defaults.json` with the endpoint and an upload-only key, users
/// configuring nothing; SeaweedFS with an uploader identity that may only `Write:<bucket>` and a
/// reader that may only `Read`/`List`.
@Suite(
    "deployment: shipped defaults, upload-only keys, write-once objects", .requires(.seaweedfs),
    .serialized)
struct DeploymentTests {
    static let bucket = "telemetry-test"
    let uploader = AccessPolicy.randomCredentials()
    let reader = AccessPolicy.randomCredentials()

    var identities: [[String: Any]] {
        [
            [
                "name": "uploader", "credentials": [["accessKey": uploader.accessKeyID, "secretKey": uploader.secretAccessKey]],
                "actions": ["Write:\(Self.bucket)"],
            ],
            [
                "name": "reader", "credentials": [["accessKey": reader.accessKeyID, "secretKey": reader.secretAccessKey]],
                "actions": ["Read:\(Self.bucket)", "List:\(Self.bucket)"],
            ],
        ]
    }

    @Test("a package with shipped defaults records and flushes everything; the uploader cannot read, the reader cannot write; lost PUT answers land once")
    func shippedPackage() async throws {
        try await S3TestServer.with(.seaweedfs, bucket: Self.bucket, identities: identities) { server in
            try await FaultProxy.with(server) { proxy in
                let package = try ShippedPackage(
                    defaults: [
                        "endpoint": proxy.url, "bucket": Self.bucket, "prefix": "fleet/", "region": server.region,
                        "access_key_id": uploader.accessKeyID, "secret_access_key": uploader.secretAccessKey,
                        "flush_interval_seconds": 0,
                    ])
                try await proxy.script([], methods: ["PUT", "GET", "HEAD", "POST", "DELETE"])

                // The user's commands through the packaged shim: recorded by the detached
                // recorder, which starts the due background flush; nothing else is configured.
                for arguments in [["dev", "start"], ["push", "app"], ["dev", "stop"]] {
                    let result = try await offPool { try package.cf(arguments) }
                    #expect(result.status == 0, "cf \(arguments): \(result.stdout)")
                }
                let landed = try await waitUntilLanded(server, prefix: "fleet/", count: 4)
                #expect(landed.flatMap { $0.lines ?? [] }.count == 4, "start_begin, start_end, app_created, stop")
                let flush = try await offPool { try package.cli(["flush"]) }
                #expect(flush.status == 0, "\(flush.stderr)")
                #expect(try await offPool { try package.pending() } == 0)

                // Upload-only: the flushers sent PUTs and nothing else, each write-once.
                let log = try await proxy.log()
                #expect(!log.isEmpty)
                #expect(log.allSatisfy { $0.method == "PUT" }, "\(log.map { "\($0.method) \($0.path)" })")
                #expect(log.allSatisfy { $0.ifNoneMatch == "*" })

                // status and doctor name the shipped file as the origin; doctor with the
                // upload-only key checks what it can and passes.
                let status = try await offPool { try package.cli(["status"]) }
                #expect(status.stdout.contains("shipped defaults \(package.defaultsPath)"), "\(status.stdout)")
                // Run through a link elsewhere (as /usr/local/bin/… would be), the package's file is still found.
                let linked = try await offPool { try package.cliThroughLink(["status", "--json"]) }
                let linkedStatus = try JSONSerialization.jsonObject(with: Data(linked.stdout.utf8)) as? [String: Any]
                #expect(linkedStatus?["shipped_defaults"] as? String == package.defaultsPath, "\(linked.stdout)")
                let doctor = try await offPool { try package.cli(["doctor"]) }
                #expect(doctor.status == 0, "\(doctor.stdout)")
                #expect(doctor.stdout.contains("an upload-only key cannot check"), "\(doctor.stdout)")
                #expect(doctor.stdout.contains("ok   clock"), "\(doctor.stdout)")
                #expect(!doctor.stdout.contains(uploader.secretAccessKey))

                // A proxy that loses the first answer to every PUT: each is sent again, answered
                // 412, counted as stored. Every event lands once, nothing stays pending.
                try await proxy.script([], default: "lose-first")
                let ids = try package.fill(12)
                let lossy = try await offPool { try package.cli(["flush", "--max-batch-events", "5"]) }
                #expect(lossy.status == 0, "\(lossy.stderr)")
                #expect(lossy.stdout.contains("3 of them already in the store"), "\(lossy.stdout)")
                #expect(try await offPool { try package.pending() } == 0)
                let lossyLog = try await proxy.log()
                #expect(lossyLog.map(\.action) == ["drop-after", "pass", "drop-after", "pass", "drop-after", "pass"])
                #expect(lossyLog.compactMap(\.status) == [200, 412, 200, 412, 200, 412])
                let all = try await offPool { try S3Read.dump(server, prefix: "fleet/") }
                let fleetIDs = Set(
                    all.flatMap { $0.lines ?? [] }.compactMap {
                        (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["event_id"] as? String
                    })
                #expect(fleetIDs.isSuperset(of: ids))
                Landed.verify(all, prefix: "fleet/", expected: fleetIDs)

                // The uploader cannot read, list or overwrite.
                let key = try #require(all.first?.key)
                let asUploader = S3Client(endpoint: try server.endpoint(), credentials: uploader)
                await expectDenied("uploader GET") { _ = try await asUploader.getObject(key: key) }
                await expectDenied("uploader LIST") { _ = try await asUploader.listObjectsV2(prefix: "fleet/") }
                do {
                    _ = try await asUploader.send("PUT", key: key, headers: [("if-none-match", "*")], body: Data("x".utf8), resource: key)
                    Issue.record("a conditional overwrite was accepted")
                } catch let error as S3Error {
                    #expect(error.status == 412, "\(error)")
                }

                // The reader's report works, and the reader cannot write.
                let report = try await offPool {
                    // (From yesterday: SeaweedFS's start-after skips the keys inside the folder it
                    // names, so a listing starting at today's partition would miss it.)
                    try package.cli(
                        ["report", "--from", Self.yesterday, "--format", "json"],
                        env: [
                            "CFDEV_TELEMETRY_ENDPOINT": server.url.absoluteString,
                            "AWS_ACCESS_KEY_ID": reader.accessKeyID, "AWS_SECRET_ACCESS_KEY": reader.secretAccessKey,
                        ])
                }
                #expect(report.status == 0, "\(report.stderr)")
                let parsed = try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any]
                #expect((parsed?["input"] as? [String: Any])?["objects"] as? Int == all.count, "\(report.stdout) \(report.stderr) \(all.map(\.key))")
                let asReader = S3Client(endpoint: try server.endpoint(), credentials: reader)
                await expectDenied("reader PUT") { try await asReader.putObject(key: "fleet/events/v1/x", body: Data("x".utf8)) }

                // The final flush of `off` needs nothing more: telemetry_off lands with PUTs only.
                try await proxy.script([], methods: ["PUT", "GET", "HEAD", "POST", "DELETE"])
                let off = try await offPool { try package.cli(["off"], env: ["CFDEV_TELEMETRY_FINAL_FLUSH_SECONDS": "30"]) }
                #expect(off.status == 0, "\(off.stderr)")
                #expect(!off.stdout.contains("not sent and deleted"), "\(off.stdout)")
                let offLog = try await proxy.log()
                #expect(
                    !offLog.isEmpty && offLog.allSatisfy { $0.method == "PUT" && $0.ifNoneMatch == "*" && $0.status == 200 },
                    "\(offLog.map { "\($0.method) \($0.status ?? 0)" })")
                let afterOff = try await offPool { try S3Read.dump(server, prefix: "fleet/") }
                let events = afterOff.flatMap { $0.lines ?? [] }.compactMap {
                    (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["event"] as? String
                }
                #expect(events.filter { $0 == "telemetry_off" }.count == 1)
            }
        }
    }

    @Test("a store that ignores If-None-Match still works (rclone)", .requires(.rclone))
    func storeIgnoringTheCondition() async throws {
        try await S3TestServer.with(.rclone) { server in
            let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("ignores "))
            let ids = try world.fill(7)
            let flush = try await world.flush(["--max-batch-events", "3"])
            #expect(flush.status == 0, "\(flush.stderr)")
            Landed.verify(try await world.landed(), prefix: world.prefix, expected: Set(ids))
        }
    }

    @Test("the SeaweedFS policy output, loaded into a server, gives each role what it says and no more")
    func seaweedPolicyLoaded() async throws {
        let sandbox = try Sandbox()
        let printed = try sandbox.cli(["policy", "--format", "seaweedfs", "--bucket", Self.bucket, "--prefix", "team/"])
        #expect(printed.status == 0, "\(printed.stderr)")
        let config = try #require(try JSONSerialization.jsonObject(with: Data(printed.stdout.utf8)) as? [String: Any])
        let identities = try #require(config["identities"] as? [[String: Any]])
        #expect(identities.count == 3)
        func keys(_ role: String) throws -> AWSCredentials {
            let identity = try #require(identities.first { $0["name"] as? String == "cfdev-telemetry-\(role)" })
            let credential = try #require((identity["credentials"] as? [[String: String]])?.first)
            return AWSCredentials(accessKeyID: credential["accessKey"]!, secretAccessKey: credential["secretKey"]!)
        }
        let uploaderKeys = try keys("uploader"), readerKeys = try keys("reader"), operatorKeys = try keys("operator")
        try await S3TestServer.with(.seaweedfs, bucket: Self.bucket, identities: identities) { server in
            func env(_ keys: AWSCredentials) -> [String: String] {
                ["CFDEV_TELEMETRY_ACCESS_KEY_ID": keys.accessKeyID, "CFDEV_TELEMETRY_SECRET_ACCESS_KEY": keys.secretAccessKey]
            }
            // The uploader flushes; it cannot read or list.
            let world = try FlushWorld(server: server, prefix: "team/", extra: env(uploaderKeys))
            let ids = try world.fill(4)
            let flush = try await world.flush()
            #expect(flush.status == 0, "\(flush.stderr)")
            let objects = try await world.landed()
            Landed.verify(objects, prefix: "team/", expected: Set(ids))
            let key = try #require(objects.first?.key)
            let asUploader = S3Client(endpoint: try server.endpoint(), credentials: uploaderKeys)
            await expectDenied("uploader GET") { _ = try await asUploader.getObject(key: key) }
            await expectDenied("uploader LIST") { _ = try await asUploader.listObjectsV2(prefix: "team/") }
            // The reader lists and gets; it cannot write.
            let asReader = S3Client(endpoint: try server.endpoint(), credentials: readerKeys)
            #expect(try await asReader.listObjectsV2(prefix: "team/").keys.count == objects.count)
            #expect(try await asReader.getObject(key: key) == objects.first?.bytes)
            await expectDenied("reader PUT") { try await asReader.putObject(key: "team/events/v1/x", body: Data("x".utf8)) }
            // The operator sets the retention rule.
            let retention = try await world.cli(["retention", "--days", "400"], env: env(operatorKeys))
            #expect(retention.status == 0, "\(retention.stdout) \(retention.stderr)")
            await expectDenied("reader lifecycle") { try await asReader.putBucketLifecycle("<LifecycleConfiguration/>") }
        }
    }

    @Test("the AWS policies: the uploader may only PutObject under the events and erasures prefixes, and only write-once")
    func awsPolicies() throws {
        let sandbox = try Sandbox()
        let printed = try sandbox.cli(["policy", "--bucket", "team-bucket", "--prefix", "p"])
        #expect(printed.status == 0, "\(printed.stderr)")
        let all = try #require(try JSONSerialization.jsonObject(with: Data(printed.stdout.utf8)) as? [String: [String: Any]])
        #expect(Set(all.keys) == ["uploader", "reader", "operator"])
        let uploader = try #require(all["uploader"]?["Statement"] as? [[String: Any]])
        // Events, and the one more prefix of erasure requests (`forget`): PutObject, write-once, nothing else.
        #expect(uploader.count == 2)
        #expect(uploader.allSatisfy { $0["Action"] as? String == "s3:PutObject" })
        #expect(uploader.map { $0["Resource"] as? String } == ["arn:aws:s3:::team-bucket/p/events/v1/*", "arn:aws:s3:::team-bucket/p/erasures/v1/*"])
        #expect(uploader.allSatisfy { ($0["Condition"] as? [String: [String: String]])?["Null"]?["s3:if-none-match"] == "false" })
        let reader = try #require(all["reader"]?["Statement"] as? [[String: Any]])
        #expect(Set(reader.compactMap { $0["Action"] as? String }) == ["s3:ListBucket", "s3:GetObject"])
        let one = try sandbox.cli(["policy", "--bucket", "team-bucket", "--role", "uploader"])
        let document = try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [String: Any]
        #expect(document?["Version"] as? String == "2012-10-17")
        let bad = try sandbox.cli(["policy", "--format", "gcp"])
        #expect(bad.status != 0 && bad.stderr.contains("--format"))
    }

    static var yesterday: String {
        String(Timestamp.iso8601(milliseconds: WallClock.nowMilliseconds() - 86_400_000).prefix(10))
    }

    func waitUntilLanded(_ server: S3TestServer, prefix: String, count: Int, timeout: TimeInterval = 60) async throws -> [S3Read.Object] {
        let deadline = Date().addingTimeInterval(timeout)
        var objects: [S3Read.Object] = []
        while Date() < deadline {
            objects = try await offPool { try S3Read.dump(server, prefix: prefix) }
            if objects.flatMap({ $0.lines ?? [] }).count >= count { break }
            try await Task.sleep(nanoseconds: 300_000_000)
        }
        return objects
    }

    func expectDenied(_ label: String, _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("\(label) was allowed")
        } catch let error as S3Error {
            #expect(error.code == "AccessDenied" || error.status == 403, "\(label): \(error)")
        } catch {
            Issue.record("\(label): \(error)")
        }
    }
}
