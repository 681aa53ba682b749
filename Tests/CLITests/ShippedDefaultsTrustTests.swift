import Foundation
import TelemetryCore
import TelemetryTestSupport
import Testing

import Platform

/// Shipped defaults name where every upload goes: a `defaults.json` that another local user could
/// have written (the file or a folder above it writable by others, or owned by someone else) is
/// refused in one line by `status` and `doctor`, and the built-in, unconfigured state applies.
@Suite("shipped defaults another user could write are refused")
struct ShippedDefaultsTrustTests {
    static var defaults: [String: Any] {
        [
            "endpoint": "http://127.0.0.1:9", "bucket": "shipped-bucket", "access_key_id": "AKIASHIPPED000000000",
            "secret_access_key": "shipped-secret",
        ]
    }

    func expectRefused(_ package: ShippedPackage, _ reason: String) throws {
        let status = try package.cli(["status"])
        #expect(status.stdout.contains("Refused:         shipped defaults \(package.defaultsPath): \(reason)"), "\(status.stdout)")
        #expect(status.stdout.contains("bucket                 cfdev-telemetry  (built-in)"), "\(status.stdout)")
        #expect(!status.stdout.contains("AKIA"), "\(status.stdout)")
        let json = try JSONSerialization.jsonObject(with: Data(try package.cli(["status", "--json"]).stdout.utf8)) as? [String: Any]
        #expect((json?["shipped_defaults_refused"] as? String)?.contains(reason) == true)
        #expect(json?["shipped_defaults"] is NSNull)
        let doctor = try package.cli(["doctor"])
        #expect(doctor.status == 1)
        #expect(doctor.stdout.contains("FAIL shipped defaults: \(package.defaultsPath): \(reason)"), "\(doctor.stdout)")
        // An upload has nowhere to go: the built-in state has no credentials.
        let flush = try package.cli(["flush"])
        #expect(flush.status == 1 && flush.stderr.contains("no upload credentials"), "\(flush.stderr)")
    }

    @Test("a defaults.json writable by others, or in a folder writable by others, is not used")
    func writableByOthers() throws {
        let trusted = try ShippedPackage(defaults: Self.defaults)
        let fine = try trusted.cli(["status"])
        #expect(fine.stdout.contains("(shipped defaults \(trusted.defaultsPath))") && !fine.stdout.contains("Refused"), "\(fine.stdout)")

        let writable = try ShippedPackage(defaults: Self.defaults)
        #expect(chmod(writable.defaultsPath, 0o666) == 0)
        try expectRefused(writable, "it is writable by other users (mode 0666)")

        let groupWritable = try ShippedPackage(defaults: Self.defaults)
        #expect(chmod(groupWritable.defaultsPath, 0o664) == 0)
        try expectRefused(groupWritable, "it is writable by other users (mode 0664)")

        let openFolder = try ShippedPackage(defaults: Self.defaults)
        let folder = (openFolder.defaultsPath as NSString).deletingLastPathComponent
        #expect(chmod(folder, 0o777) == 0)
        try expectRefused(openFolder, "its folder \(folder) is writable by other users (mode 0777)")

        // A link to a writable file is judged by the file it leads to.
        let linked = try ShippedPackage(defaults: Self.defaults)
        let target = linked.sandbox.root + "/elsewhere.json"
        try FileManager.default.moveItem(atPath: linked.defaultsPath, toPath: target)
        try FileManager.default.createSymbolicLink(atPath: linked.defaultsPath, withDestinationPath: target)
        #expect(chmod(target, 0o646) == 0)
        try expectRefused(linked, "it is writable by other users (mode 0646)")
    }

    @Test(
        "a defaults.json owned by another user (not root) is not used",
        .requires(Prerequisite(missing: "giving a file to another user needs root") { geteuid() == 0 }))
    func ownedByAnotherUser() throws {
        let package = try ShippedPackage(defaults: Self.defaults)
        #expect(chown(package.defaultsPath, 65534, 65534) == 0)
        try expectRefused(package, "it is owned by another user (uid 65534)")
    }
}
