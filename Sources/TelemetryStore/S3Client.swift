import AsyncHTTPClient
import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import TelemetryCore

/// A small S3 client (SigV4 header auth, path-style by default) on AsyncHTTPClient: the
/// operations the flusher, the report and `doctor` need. Non-2xx answers and transport failures
/// throw `S3Error`, classified for the retry policy.
package final class S3Client: Sendable {
    package let endpoint: S3Endpoint
    /// Deadline for one whole request (connect, send, receive), in seconds.
    package let requestTimeout: TimeInterval
    /// Where each request's credentials come from (fixed keys, or temporary ones refreshed before they expire).
    let credentials: any AWSCredentialsProvider
    let httpClient: HTTPClient
    /// The proxy and trusted CAs of `httpClient`, named in transport errors; nil: direct, system CAs.
    let connection: StoreConnection?
    let clock: @Sendable () -> Date
    private let offset = NIOLockedValueBox<TimeInterval>(0)
    private let signingKeys = SigningKeyCache()

    /// The most a response body may hold (GET of a batch, a listing page).
    package static let maxResponseBytes = 256 << 20
    /// The most a listing page may hold (1000 keys take a few hundred KiB).
    package static let maxListingBytes = 16 << 20
    /// The most kept of any other answer's body (an error document, a PUT's answer); the rest
    /// is not read.
    package static let maxSmallResponseBytes = 64 << 10

    /// How much of an answer's body is read: nothing for HEAD, `maxResponseBytes` for a
    /// successful GET, `maxSmallResponseBytes` otherwise.
    static func bodyLimit(method: String, status: Int) -> Int {
        if method == "HEAD" { return 0 }
        if method == "GET" && (200..<300).contains(status) { return maxResponseBytes }
        return maxSmallResponseBytes
    }
    /// Shared by all clients not given one: connect timeout 5 s, no redirects, never shut down.
    /// A refused connection fails at once (no silent re-dialling until the connect timeout):
    /// the flusher has its own bounded backoff.
    package static let defaultHTTPClient: HTTPClient = {
        HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: baseConfiguration())
    }()

    /// The configuration every client here starts from (see `defaultHTTPClient`).
    static func baseConfiguration() -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5)))
        configuration.decompression = .disabled
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }

    /// `connection` (a proxy, trusted CAs) gives the HTTP client; else `httpClient`, a client
    /// that stays the caller's to shut down; else `defaultHTTPClient`. `clock` is the local
    /// clock; requests are signed at `clock() + clockOffset`.
    package init(
        endpoint: S3Endpoint, credentials: any AWSCredentialsProvider, connection: StoreConnection? = nil, httpClient: HTTPClient? = nil,
        requestTimeout: TimeInterval = 30, clock: @escaping @Sendable () -> Date = Date.init
    ) {
        self.endpoint = endpoint
        self.credentials = credentials
        self.connection = connection
        self.httpClient = connection?.httpClient() ?? httpClient ?? Self.defaultHTTPClient
        self.requestTimeout = requestTimeout
        self.clock = clock
    }

    /// Seconds added to `clock()` when signing (server time minus local time, once known).
    package var clockOffset: TimeInterval {
        get { offset.withLockedValue { $0 } }
        set { offset.withLockedValue { $0 = newValue } }
    }

    /// The date the next request will be signed with.
    package var signingDate: Date { clock().addingTimeInterval(clockOffset) }

    /// The largest clock correction believed: a store's `Date` further than this from the local
    /// clock is wrong (or hostile), not a skewed clock, and is never applied.
    package static let maxClockCorrection: TimeInterval = 24 * 3600

    /// Whether `offset` (seconds) is one this client would apply.
    package static func isPlausibleOffset(_ offset: TimeInterval) -> Bool {
        offset.isFinite && abs(offset) <= maxClockCorrection
    }

    /// For a `.clockSkew` error with the server's `Date`: sets `clockOffset` so that requests
    /// are signed at the server's time. It sets rather than adds, so concurrent requests that
    /// fail on the same skew correct it once, not once each (each is told to retry). A `Date`
    /// more than `maxClockCorrection` away is wrong (or hostile) and never applied. Returns
    /// whether a retry is signed differently: false when the failed request was already signed
    /// with the offset in force (the store's complaint is then about something else).
    @discardableResult
    package func correctClock(from error: S3Error) -> Bool {
        guard error.classification == .clockSkew, let serverDate = error.serverDate else { return false }
        let measured = serverDate.timeIntervalSince(clock())
        guard Self.isPlausibleOffset(measured) else { return false }
        if abs(measured - clockOffset) >= 2 {
            clockOffset = measured
            return true
        }
        // Already in force: the failed request was signed with an older offset if its own skew shows it.
        guard let skew = error.clockSkew else { return false }
        return abs(skew) >= 2
    }

    /// After a successful answer with the store's `Date`: an offset in force that the local
    /// clock no longer needs (it is within `S3Error.skewThreshold` of the store's) is dropped.
    /// Returns whether the offset changed.
    @discardableResult
    package func settleClock(serverDate: Date?) -> Bool {
        guard clockOffset != 0, let serverDate else { return false }
        guard abs(serverDate.timeIntervalSince(clock())) < S3Error.skewThreshold else { return false }
        clockOffset = 0
        return true
    }

    // MARK: Objects

    /// PUT Object, with `Content-MD5`, `Content-Type` and `x-amz-content-sha256` signed.
    /// `writeOnce`: `If-None-Match: *`, so that an object already there is never overwritten
    /// (the store answers 412). `headers`: more to send and sign (`x-amz-meta-…`).
    /// The response carries the ETag and the server's `Date`.
    @discardableResult
    package func putObject(
        key: String, body: Data, contentType: String = "application/octet-stream", writeOnce: Bool = false,
        headers: [(String, String)] = [], timeout: TimeInterval? = nil
    ) async throws -> S3Response {
        var all = [("content-md5", Self.contentMD5(body)), ("content-type", contentType)]
        if writeOnce { all.append(("if-none-match", "*")) }
        return try await send("PUT", key: key, headers: all + headers, body: body, resource: key, timeout: timeout)
    }

    /// GET Object: status, headers (`Date`, `ETag`) and bytes.
    package func getObjectResponse(key: String) async throws -> S3Response {
        try await send("GET", key: key, resource: key)
    }

    /// GET Object: the bytes.
    package func getObject(key: String) async throws -> Data {
        try await getObjectResponse(key: key).body
    }

    /// GET Object, reading at most `maxBytes` of it (a larger one is a `ResponseTooLarge` error).
    package func getObject(key: String, maxBytes: Int) async throws -> Data {
        try await send("GET", key: key, resource: key, maxBody: maxBytes).body
    }

    // MARK: Bucket

    /// ListObjectsV2, one page. Pass the previous page's `nextContinuationToken` to go on.
    package func listObjectsV2(prefix: String? = nil, continuationToken: String? = nil, maxKeys: Int? = nil) async throws -> ListPage {
        var query: [(String, String)] = []
        if let prefix { query.append(("prefix", prefix)) }
        if let continuationToken { query.append(("continuation-token", continuationToken)) }
        if let maxKeys { query.append(("max-keys", String(maxKeys))) }
        return try await listObjectsV2(query: query)
    }

    /// ListObjectsV2 with `query`'s parameters besides `list-type`, one page.
    func listObjectsV2(query parameters: [(String, String)]) async throws -> ListPage {
        let query = [("list-type", "2")] + parameters
        let prefix = parameters.first { $0.0 == "prefix" }?.1
        let resource = "\(endpoint.bucket)?list-type=2" + (prefix.map { "&prefix=\($0)" } ?? "")
        let response = try await send("GET", key: nil, query: query, resource: resource, maxBody: Self.maxListingBytes)
        guard var page = ListObjectsParser.parse(response.body) else {
            throw S3Error(
                method: "GET", resource: resource, status: response.status, code: .malformedResponse,
                message: "the listing is not a ListBucketResult document", serverDate: response.serverDate,
                classification: .retryable)
        }
        page.serverDate = response.serverDate
        return page
    }

    /// PUT Bucket lifecycle (`?lifecycle`), with `Content-MD5` as S3 requires.
    @discardableResult
    package func putBucketLifecycle(_ xml: String) async throws -> S3Response {
        let body = Data(xml.utf8)
        return try await send(
            "PUT", key: nil, query: [("lifecycle", "")],
            headers: [("content-md5", Self.contentMD5(body)), ("content-type", "application/xml")],
            body: body, resource: "\(endpoint.bucket)?lifecycle")
    }

    /// GET Bucket lifecycle: the `LifecycleConfiguration` document. A bucket without one throws
    /// `S3Error` with code `NoSuchLifecycleConfiguration`.
    package func getBucketLifecycle() async throws -> String {
        let response = try await send(
            "GET", key: nil, query: [("lifecycle", "")], resource: "\(endpoint.bucket)?lifecycle", maxBody: 1 << 20)
        return String(decoding: response.body, as: UTF8.self)
    }

    // MARK: Transport

    /// Base64 of the MD5 of `body`, the `Content-MD5` header value.
    package static func contentMD5(_ body: Data) -> String {
        Data(Insecure.MD5.hash(data: body)).base64EncodedString()
    }

    /// Hex SHA-256, the `x-amz-content-sha256` value.
    package static func payloadHash(_ body: Data) -> String {
        Hex.encode(SHA256.hash(data: body))
    }

    func send(
        _ method: String, key: String?, query: [(String, String)] = [], headers: [(String, String)] = [],
        body: Data? = nil, resource: String, timeout: TimeInterval? = nil, maxBody: Int? = nil
    ) async throws -> S3Response {
        let target = S3RequestTarget(endpoint: endpoint, key: key, query: query)
        // Fetched (or refreshed) before the date is taken: a slow STS answer does not age the signature.
        let signer = SigV4Signer(credentials: try await credentials.credentials(), region: endpoint.region, keyCache: signingKeys)
        let date = signingDate
        let signable = SignableRequest(
            method: method, host: target.host, path: target.path, query: query, headers: headers,
            payloadHash: Self.payloadHash(body ?? Data()))

        var request = HTTPClientRequest(url: target.url)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Host", value: target.host)
        for (name, value) in headers + signer.signedHeaders(for: signable, date: date) {
            request.headers.add(name: name, value: value)
        }
        request.headers.add(name: "User-Agent", value: "cfdev-telemetry")
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }

        let answer: BoundedExchange.Answer
        do {
            let exchange = BoundedExchange(httpClient: httpClient, timeLimit: timeout ?? requestTimeout)
            answer = try await exchange.perform(request) { status in
                min(maxBody ?? Int.max, Self.bodyLimit(method: method, status: status))
            }
        } catch {
            throw S3TransportFailure.error(
                error, method: method, resource: resource, target: target.host, connection: connection, requestDate: date)
        }
        let status = answer.status
        let responseHeaders = answer.headers
        let data = answer.body
        guard (200..<300).contains(status) else {
            throw S3ErrorResponse.error(
                method: method, resource: resource, status: status, headers: responseHeaders, body: data,
                requestDate: date)
        }
        if answer.truncated && method == "GET" {
            throw S3Error(
                method: method, resource: resource, status: status, code: .responseTooLarge,
                message: "the answer is larger than \(min(maxBody ?? Int.max, Self.maxResponseBytes) >> 10) KiB",
                serverDate: S3Response.header("date", in: responseHeaders).flatMap(HTTPDate.parse), requestDate: date,
                classification: .fatal)
        }
        return S3Response(status: status, headers: responseHeaders, body: data)
    }
}
