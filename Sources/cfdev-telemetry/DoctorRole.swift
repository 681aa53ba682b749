import ArgumentParser
import Foundation
import TelemetryCore
import TelemetryStore

/// `doctor --role reader|operator`: which source of the AWS credential chain the team's
/// command would use, and whether that role may do its job on the bucket (the reader lists the
/// events prefix, reads an object and lists the erasure requests; the operator also reads the
/// lifecycle rules). Read-only.
struct DoctorRole {
    let role: AccessPolicy.Role
    let upload: UploadOptions
    let team: TeamOptions

    func run() async throws {
        let context = Context()
        var problems = 0
        func check(_ ok: Bool, _ label: String, _ detail: String) {
            print("\(ok ? "ok  " : "FAIL") \(label): \(detail)")
            if !ok { problems += 1 }
        }
        let target: UploadTarget
        do {
            target = try await context.teamTarget(role: role, upload: upload, team: team)
        } catch {
            check(false, "credentials", "\(error)")
            throw ExitCode.failure
        }
        check(true, "credentials", "the \(role.rawValue)'s from \(target.credentialSource)")
        print("note store: \(CredentialDisplay.endpoint(target)) (region \(target.endpoint.region)); \(target.connection.routeDescription)")
        let client = target.client(requestTimeout: 15)
        let root = DisplayText.sanitized(target.layout.eventsRoot)
        do {
            let page = try await client.listObjectsV2(prefix: target.layout.eventsRoot, maxKeys: 1)
            check(true, "list", "may list \(root)")
            if let key = page.keys.first {
                do {
                    _ = try await client.getObjectResponse(key: key)
                    check(true, "read", "may read \(DisplayText.sanitized(key))")
                } catch let error as S3Error {
                    check(false, "read", "cannot read \(DisplayText.sanitized(key)): \(error)")
                }
            } else {
                print("note read: not checked (no object under \(root) yet)")
            }
        } catch let error as S3Error {
            check(false, "list", "cannot list \(root): \(error)")
        }
        // Every report and compaction reads the erasure requests first, and stops without them.
        let erasures = DisplayText.sanitized(target.layout.erasuresRoot)
        do {
            _ = try await client.listObjectsV2(prefix: target.layout.erasuresRoot, maxKeys: 1)
            check(true, "erasure requests", "may list \(erasures)")
        } catch let error as S3Error {
            check(false, "erasure requests", "cannot list \(erasures) (reports and compaction honour them): \(error)")
        }
        if role == .operator {
            do {
                _ = try await client.getBucketLifecycle()
                check(true, "lifecycle", "may read the bucket's lifecycle rules")
            } catch let error as S3Error where error.code == .noSuchLifecycleConfiguration {
                check(true, "lifecycle", "may read the bucket's lifecycle rules (none set: `cfdev-telemetry retention` sets one)")
            } catch let error as S3Error {
                check(false, "lifecycle", "cannot read the bucket's lifecycle rules: \(error)")
            }
            print("note write and delete: not checked (doctor changes nothing; `cfdev-telemetry compact` uses them)")
        }
        if problems > 0 {
            print("\(problems) problem\(problems == 1 ? "" : "s") found; `cfdev-telemetry policy --role \(role.rawValue)` shows what the role needs.")
            throw ExitCode.failure
        }
        print("Everything the \(role.rawValue) needs looks right.")
    }
}

/// How the team's commands show a store.
enum CredentialDisplay {
    /// The endpoint URL without user-info, and the bucket.
    static func endpoint(_ target: UploadTarget) -> String {
        "\(DisplayText.maskingUserInfo(target.endpoint.url.absoluteString)) bucket \(DisplayText.sanitized(target.endpoint.bucket))"
    }
}
